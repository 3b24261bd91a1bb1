/*
Copyright 2026 The meetwarden Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// The fault tests stop, kill and replace the suite's operator, so they are NOT parallel: Go
// runs them before any parallel test starts, with no other scenario in flight.

const fleetSize = 20

func TestAnOperatorKilledWhileTwentyPlatformsConvergeRestartsWithoutDuplicatesOrNewCredentials(t *testing.T) {
	ctx := testContext(t, 9*time.Minute)
	namespaces := []string{createNamespace(t, "e2e-fleet-a"), createNamespace(t, "e2e-fleet-b")}
	var mps []*v1alpha1.MeetingPlatform
	for i := range fleetSize {
		mps = append(mps, newPlatform(namespaces[i%2], fmt.Sprintf("meet-%02d", i)))
	}

	// Secrets first (RSA keys take a while on two cores), then all platforms at once.
	if err := forEachConcurrently(mps, 4, func(mp *v1alpha1.MeetingPlatform) error { return createSecrets(ctx, mp) }); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := forEachConcurrently(mps, 10, func(mp *v1alpha1.MeetingPlatform) error { return createPlatformObject(ctx, mp) }); err != nil {
		t.Fatal(err)
	}
	t.Logf("created %d platforms in %s", len(mps), time.Since(start).Round(time.Millisecond))

	// Kill while they converge: once some credentials exist, long before all are Ready.
	waitFor(t, 2*time.Minute, "the first credentials Secrets", func() error {
		n := len(credentialSecrets(t, ctx, namespaces))
		if n < 5 {
			return fmt.Errorf("%d credentials Secrets so far", n)
		}
		return nil
	})
	before := credentialSecrets(t, ctx, namespaces)
	readyAtKill := countReady(t, ctx, mps)
	op := getMainOperator()
	killedAt := time.Now()
	op.kill()
	t.Logf("kill -9 of the operator (pid %d) %s after creation: %d/%d credentials Secrets existed, %d/%d platforms Ready",
		op.cmd.Process.Pid, killedAt.Sub(start).Round(time.Millisecond), len(before), fleetSize, readyAtKill, fleetSize)
	if readyAtKill == fleetSize {
		t.Logf("WARNING: every platform was already Ready at the kill; the test did not interrupt convergence")
	}
	time.Sleep(2 * time.Second)

	restarted, err := startOperator("main-restarted", mainOperatorProbePort, "--leader-elect=false")
	if err != nil {
		t.Fatalf("restarting the operator: %v", err)
	}
	setMainOperator(restarted)
	restartedAt := time.Now()
	t.Logf("operator restarted (pid %d), log %s", restarted.cmd.Process.Pid, restarted.logPath)

	readyAt := map[types.NamespacedName]time.Time{}
	waitFor(t, 5*time.Minute, fmt.Sprintf("all %d platforms Ready and Compliant after the restart", fleetSize), func() error {
		var notReady []string
		for _, mp := range mps {
			key := keyOf(mp)
			if _, ok := readyAt[key]; ok {
				continue
			}
			cur, err := getPlatform(ctx, key)
			if err == nil {
				err = readyAndCompliant(cur)
			}
			if err != nil {
				notReady = append(notReady, err.Error())
				continue
			}
			readyAt[key] = time.Now()
		}
		if len(notReady) > 0 {
			return fmt.Errorf("%d not Ready, e.g. %s", len(notReady), notReady[0])
		}
		return nil
	})
	all := time.Since(start)
	recordMeasurement("20 platforms converging (kill -9 and restart included)", "creation -> all Ready", all)
	recordMeasurement("20 platforms converging (kill -9 and restart included)", "restart -> all Ready", time.Since(restartedAt))
	for key, at := range readyAt {
		recordMeasurement("time to Ready (20-platform fleet, across a kill -9)", key.String(), at.Sub(start))
	}
	t.Logf("all %d platforms Ready %s after creation, %s after the restart", fleetSize, all.Round(10*time.Millisecond), time.Since(restartedAt).Round(10*time.Millisecond))

	t.Run("every credentials Secret that existed before the kill is byte-for-byte unchanged", func(t *testing.T) {
		after := credentialSecrets(t, ctx, namespaces)
		for key, old := range before {
			cur, ok := after[key]
			switch {
			case !ok:
				t.Errorf("credentials Secret %s existed before the kill and is gone", key)
			case cur.UID != old.UID:
				t.Errorf("credentials Secret %s was recreated (uid %s -> %s)", key, old.UID, cur.UID)
			case !sameData(old.Data, cur.Data):
				t.Errorf("credentials Secret %s changed across the kill and restart (keys before %v, after %v)", key, sortedKeys(old.Data), sortedKeys(cur.Data))
			}
		}
		for _, mp := range mps {
			key := types.NamespacedName{Namespace: mp.Namespace, Name: mp.Name + "-credentials"}
			cur, ok := after[key]
			if !ok {
				t.Errorf("platform %s has no credentials Secret %s", keyOf(mp), key)
				continue
			}
			rememberCredentials(cur)
			for _, k := range []string{"JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD"} {
				if len(cur.Data[k]) < 32 {
					t.Errorf("credentials Secret %s: key %s has %d bytes, want >= 32", key, k, len(cur.Data[k]))
				}
			}
		}
		t.Logf("%d Secrets compared byte-for-byte, %d created after the kill checked for presence", len(before), fleetSize-len(before))
	})

	t.Run("every platform has exactly one of each child and no duplicate pods", func(t *testing.T) {
		var reference map[string]int
		var referenceName string
		for _, mp := range mps {
			cur, err := getPlatform(ctx, keyOf(mp))
			if err != nil {
				t.Fatal(err)
			}
			inv, err := inventory(ctx, cur)
			if err != nil {
				t.Fatal(err)
			}
			for _, problem := range inv.problems {
				t.Errorf("%s: %s", keyOf(mp), problem)
			}
			counts := inv.counts()
			if counts["Deployment"] != len(components) || counts["Ingress"] != 1 || counts["Secret"] != 1 {
				t.Errorf("%s: %v, want 4 Deployments, 1 Ingress, 1 Secret", keyOf(mp), counts)
			}
			if reference == nil {
				reference, referenceName = counts, keyOf(mp).String()
			} else if fmt.Sprint(counts) != fmt.Sprint(reference) {
				t.Errorf("%s has children %v, %s has %v", keyOf(mp), counts, referenceName, reference)
			}
			for _, c := range components {
				if n := inv.deployments[mp.Name+"-"+c]; n != 1 {
					t.Errorf("%s: %d Deployments named %s-%s", keyOf(mp), n, mp.Name, c)
				}
			}
			pods, err := activePods(ctx, mp.Namespace, mp.Name)
			if err != nil {
				t.Fatal(err)
			}
			perComponent := map[string]int{}
			for _, p := range pods {
				perComponent[p.Labels[labelComponent]]++
			}
			for _, c := range components {
				if perComponent[c] != 1 {
					t.Errorf("%s: %d active %s pods, want 1", keyOf(mp), perComponent[c], c)
				}
			}
		}
		t.Logf("children per platform: %v", reference)
	})
}

func TestAStandbyOperatorTakesOverWithinTheLeaseDurationWhenTheLeaderIsKilled(t *testing.T) {
	ctx := testContext(t, 6*time.Minute)
	// Only the pair under test may reconcile: stop the suite's operator, and bring it back at
	// the end whatever happens.
	if op := getMainOperator(); op != nil {
		op.stop()
		setMainOperator(nil)
	}
	var pair []*operatorProcess
	t.Cleanup(func() {
		for _, op := range pair {
			op.kill()
		}
		op, err := startOperator("main-after-leader-election", mainOperatorProbePort, "--leader-elect=false")
		if err != nil {
			t.Errorf("restarting the suite's operator: %v", err)
			return
		}
		setMainOperator(op)
	})

	// isLeader scrapes plain HTTP on loopback: the test's own flag, never the default.
	args := []string{"--leader-elect=true", "--leader-election-namespace=" + leaderElectionNamespace, "--metrics-secure=false"}
	for i, name := range []string{"leader-a", "leader-b"} {
		op, err := startOperator(name, operatorPort(11+i), append(args, fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", operatorPort(21+i)))...)
		if err != nil {
			t.Fatal(err)
		}
		pair = append(pair, op)
		t.Logf("operator %s: pid %d, probes :%d, metrics :%d, log %s", name, op.cmd.Process.Pid, operatorPort(11+i), operatorPort(21+i), op.logPath)
	}

	leaseKey := client.ObjectKey{Namespace: leaderElectionNamespace, Name: "meetwarden.meetwarden.io"}
	var lease coordinationv1.Lease
	var leader, standby *operatorProcess
	waitFor(t, time.Minute, "one of the two operators to hold the Lease", func() error {
		if err := k8s.Get(ctx, leaseKey, &lease); err != nil {
			return err
		}
		if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
			return fmt.Errorf("Lease %s has no holder", leaseKey)
		}
		var leaders []*operatorProcess
		for _, op := range pair {
			if isLeader(op) {
				leaders = append(leaders, op)
			}
		}
		if len(leaders) != 1 {
			return fmt.Errorf("%d operators say they lead", len(leaders))
		}
		leader = leaders[0]
		for _, op := range pair {
			if op != leader {
				standby = op
			}
		}
		return nil
	})
	holder := *lease.Spec.HolderIdentity
	leaseDuration := 15 * time.Second
	if lease.Spec.LeaseDurationSeconds != nil {
		leaseDuration = time.Duration(*lease.Spec.LeaseDurationSeconds) * time.Second
	}
	t.Logf("Lease %s held by %q: operator %s (pid %d) leads, %s (pid %d) stands by; lease duration %s",
		leaseKey, holder, leader.name, leader.cmd.Process.Pid, standby.name, standby.cmd.Process.Pid, leaseDuration)

	ns := createNamespace(t, "e2e-leader")
	first := createPlatform(t, newPlatform(ns, "before-failover"))
	waitReady(t, keyOf(first), 3*time.Minute)
	if logContains(leader.logPath, "Starting workers") && logContains(standby.logPath, "Starting workers") {
		t.Errorf("the standby %s started its controller workers while %s led", standby.name, leader.name)
	}

	leader.kill()
	t.Logf("kill -9 of the leader %s (pid %d)", leader.name, leader.cmd.Process.Pid)
	takeover := waitFor(t, leaseDuration+30*time.Second, "the standby to take the Lease over", func() error {
		if err := k8s.Get(ctx, leaseKey, &lease); err != nil {
			return err
		}
		if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == holder || *lease.Spec.HolderIdentity == "" {
			return fmt.Errorf("Lease still held by %q", ptrString(lease.Spec.HolderIdentity))
		}
		if !isLeader(standby) {
			return fmt.Errorf("Lease holder changed to %q but %s does not report leading yet", *lease.Spec.HolderIdentity, standby.name)
		}
		return nil
	})
	recordMeasurement("leader election", "kill -9 of the leader -> standby holds the Lease", takeover)
	t.Logf("standby %s took the Lease over %s after the kill (lease duration %s); new holder %q",
		standby.name, takeover.Round(10*time.Millisecond), leaseDuration, *lease.Spec.HolderIdentity)
	// The bound: the standby sees each renewal at its next retry (controller-runtime's default
	// RetryPeriod 2s, client-go jitters it by up to x1.2), so it last saw the dead leader's
	// lease up to 2.4s after the leader's last renewal (itself up to 2s before the kill); it takes
	// the lease over at its first retry after lease duration since then: at most lease duration
	// + 2 x 2.4s after the kill, plus this test's polling and a loaded machine's delays.
	if limit := leaseDuration + 7*time.Second; takeover > limit {
		t.Errorf("takeover took %s, more than the lease duration %s plus two retry periods (limit %s)", takeover, leaseDuration, limit)
	}
	if standby.exited() {
		t.Fatalf("the standby exited: %v", standby.exitErr)
	}

	after := createPlatform(t, newPlatform(ns, "after-failover"))
	created := time.Now()
	waitReady(t, keyOf(after), 3*time.Minute)
	recordMeasurement("leader election", "platform created after the failover -> Ready", time.Since(created))
	waitPlatform(t, keyOf(first), time.Minute, "the platform created before the failover still Ready", readyAndCompliant)
}

// isLeader asks an operator's metrics endpoint whether it holds the lease; the log line of
// client-go's leader election is the fallback.
func isLeader(op *operatorProcess) bool {
	if op.exited() {
		return false
	}
	for _, a := range op.cmd.Args {
		addr, ok := strings.CutPrefix(a, "--metrics-bind-address=")
		if !ok || addr == "0" {
			continue
		}
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get("http://" + addr + "/metrics")
		if err != nil {
			break
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "leader_election_master_status{") && strings.Contains(line, `"meetwarden.meetwarden.io"`) {
				return strings.HasSuffix(line, " 1")
			}
		}
	}
	return logContains(op.logPath, "successfully acquired lease")
}

func logContains(path, s string) bool {
	data, err := os.ReadFile(path)
	return err == nil && strings.Contains(strings.ToLower(string(data)), strings.ToLower(s))
}

func ptrString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// forEachConcurrently runs fn for every platform with at most n at a time.
func forEachConcurrently(mps []*v1alpha1.MeetingPlatform, n int, fn func(*v1alpha1.MeetingPlatform) error) error {
	sem := make(chan struct{}, n)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, mp := range mps {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(mp); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d failures, first: %w", len(errs), errs[0])
	}
	return nil
}

// credentialSecrets reads every generated credentials Secret in the namespaces.
func credentialSecrets(t testing.TB, ctx context.Context, namespaces []string) map[types.NamespacedName]*corev1.Secret {
	t.Helper()
	out := map[types.NamespacedName]*corev1.Secret{}
	for _, ns := range namespaces {
		var list corev1.SecretList
		if err := k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			s := &list.Items[i]
			if strings.HasSuffix(s.Name, "-credentials") {
				out[client.ObjectKeyFromObject(s)] = s
			}
		}
	}
	return out
}

func countReady(t testing.TB, ctx context.Context, mps []*v1alpha1.MeetingPlatform) int {
	n := 0
	for _, mp := range mps {
		if cur, err := getPlatform(ctx, keyOf(mp)); err == nil && conditionIs(cur, v1alpha1.ConditionReady, metav1.ConditionTrue) == nil {
			n++
		}
	}
	return n
}

func sameData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// childInventory lists the objects a platform owns, by kind.
type childInventory struct {
	objects     []child
	deployments map[string]int
	problems    []string
}

type child struct {
	kind, name string
	uid        types.UID
	generation int64
	rv         string
}

func (c child) String() string { return c.kind + " " + c.name }

func (inv childInventory) counts() map[string]int {
	out := map[string]int{}
	for _, o := range inv.objects {
		out[o.kind]++
	}
	return out
}

// inventory finds the platform's children among ALL objects of the owned kinds in its
// namespace, by controller owner reference (not only by label): a duplicate without our labels
// would show up too. It also checks that each child carries the platform's labels.
func inventory(ctx context.Context, mp *v1alpha1.MeetingPlatform) (childInventory, error) {
	inv := childInventory{deployments: map[string]int{}}
	lists := map[string]client.ObjectList{
		"Deployment": &appsv1.DeploymentList{}, "Service": &corev1.ServiceList{}, "ConfigMap": &corev1.ConfigMapList{},
		"Secret": &corev1.SecretList{}, "NetworkPolicy": &networkingv1.NetworkPolicyList{}, "Ingress": &networkingv1.IngressList{},
	}
	kinds := make([]string, 0, len(lists))
	for k := range lists {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		list := lists[kind]
		if err := k8s.List(ctx, list, client.InNamespace(mp.Namespace)); err != nil {
			return inv, err
		}
		objs, err := metaItems(list)
		if err != nil {
			return inv, err
		}
		for _, o := range objs {
			owner := metav1.GetControllerOf(o)
			labelled := o.GetLabels()[labelInstance] == mp.Name
			owned := owner != nil && owner.UID == mp.UID
			switch {
			case owned && !labelled:
				inv.problems = append(inv.problems, fmt.Sprintf("%s %s is owned by the platform but lacks %s=%s", kind, o.GetName(), labelInstance, mp.Name))
			case labelled && !owned && o.GetLabels()[labelManagedBy] == "meetwarden":
				inv.problems = append(inv.problems, fmt.Sprintf("%s %s carries the platform's labels but is not controlled by it (owner %v)", kind, o.GetName(), owner))
			}
			if !owned {
				continue
			}
			inv.objects = append(inv.objects, child{kind: kind, name: o.GetName(), uid: o.GetUID(), generation: o.GetGeneration(), rv: o.GetResourceVersion()})
			if kind == "Deployment" {
				inv.deployments[o.GetName()]++
			}
		}
	}
	return inv, nil
}

func metaItems(list client.ObjectList) ([]client.Object, error) {
	var out []client.Object
	switch l := list.(type) {
	case *appsv1.DeploymentList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.ServiceList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.ConfigMapList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.SecretList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *networkingv1.NetworkPolicyList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *networkingv1.IngressList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	default:
		return nil, fmt.Errorf("unexpected list %T", list)
	}
	return out, nil
}
