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
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// revertBudget is how fast drift on a converged platform must be reverted.
const revertBudget = 5 * time.Second

// tampering is one change a cluster user makes with kubectl to an object the operator owns.
type tampering struct {
	sentence string
	kind     string
	list     client.ObjectList
	obj      func() client.Object
	name     func(platform string) string
	kubectl  func(platform string) []string
	// live says whether the tampered setting is in effect on this version of the object; a
	// deleted object counts as tampered whatever this says.
	live func(client.Object) bool
}

func deployment() client.Object    { return &appsv1.Deployment{} }
func networkPolicy() client.Object { return &networkingv1.NetworkPolicy{} }
func service() client.Object       { return &corev1.Service{} }

var tamperings = []tampering{
	{
		sentence: "kubectl set env ENABLE_RECORDING=true on the web Deployment is reverted",
		kind:     "Deployment",
		list:     &appsv1.DeploymentList{},
		obj:      deployment,
		name:     func(p string) string { return p + "-web" },
		kubectl: func(p string) []string {
			return []string{"set", "env", "deployment/" + p + "-web", "ENABLE_RECORDING=true"}
		},
		live: func(o client.Object) bool {
			v, _ := envOf(o.(*appsv1.Deployment), "web", "ENABLE_RECORDING")
			return v == "true"
		},
	},
	{
		sentence: "kubectl set env AMPLITUDE_ID=x on the web Deployment is reverted",
		kind:     "Deployment",
		list:     &appsv1.DeploymentList{},
		obj:      deployment,
		name:     func(p string) string { return p + "-web" },
		kubectl: func(p string) []string {
			return []string{"set", "env", "deployment/" + p + "-web", "AMPLITUDE_ID=x"}
		},
		live: func(o client.Object) bool {
			_, set := envOf(o.(*appsv1.Deployment), "web", "AMPLITUDE_ID")
			return set
		},
	},
	{
		sentence: "kubectl patch removing the node affinity of the jvb Deployment is reverted",
		kind:     "Deployment",
		list:     &appsv1.DeploymentList{},
		obj:      deployment,
		name:     func(p string) string { return p + "-jvb" },
		kubectl: func(p string) []string {
			return []string{"patch", "deployment/" + p + "-jvb", "--type=json", `-p=[{"op":"remove","path":"/spec/template/spec/affinity"}]`}
		},
		live: func(o client.Object) bool {
			a := o.(*appsv1.Deployment).Spec.Template.Spec.Affinity
			return a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil
		},
	},
	{
		sentence: "kubectl delete of the default-deny NetworkPolicy is reverted",
		kind:     "NetworkPolicy",
		list:     &networkingv1.NetworkPolicyList{},
		obj:      networkPolicy,
		name:     func(p string) string { return p + "-default-deny" },
		kubectl: func(p string) []string {
			return []string{"delete", "networkpolicy", p + "-default-deny", "--wait=false"}
		},
		live: func(client.Object) bool { return false },
	},
	{
		sentence: "kubectl label adding a label to the web Service is reverted",
		kind:     "Service",
		list:     &corev1.ServiceList{},
		obj:      service,
		name:     func(p string) string { return p + "-web" },
		kubectl: func(p string) []string {
			return []string{"label", "service/" + p + "-web", "e2e-tampered=true"}
		},
		live: func(o client.Object) bool { return o.GetLabels()["e2e-tampered"] == "true" },
	},
}

// TestTampering is not parallel with the other scenarios: Go runs it (after the fault tests)
// before they start, so the revert latencies it measures are the operator's own and not those
// of a work queue that other tests flood with Node events (creating or relabelling a node
// enqueues every platform). Its five cases run side by side, each on a platform of its own.
func TestTampering(t *testing.T) {
	for _, tc := range tamperings {
		t.Run(tc.sentence+" within 5s, named in a DriftReverted Event, and Compliant=True is never reported while it is live", func(t *testing.T) {
			t.Parallel()
			ns := createNamespace(t, "e2e-tamper")
			mp := createPlatform(t, newPlatform(ns, "meet"))
			key := keyOf(mp)
			waitReady(t, key, 3*time.Minute)
			runTampering(t, key, tc)
		})
	}
}

// runTampering applies one tampering to a converged platform and checks the revert.
//
// "Compliant=True is never reported while the tampered setting is live" is checked on
// resource versions, which in this cluster are etcd revisions that order all writes (see
// parseRV), and never on wall-clock times, which would race:
//
//   - a watch on the tampered object, started before the kubectl command, yields every version
//     of it; T is the resourceVersion of the first version on which the tampered setting is
//     live (for a deletion: the DELETED event), and R the resourceVersion of the first later
//     version on which it no longer is (for a deletion: the re-created object). The setting is
//     live exactly in the interval of writes (T, R).
//   - a watch on the MeetingPlatform, started before the kubectl command, yields every version
//     of the platform's status.
//   - a violation is a platform version whose Compliant condition is True and whose
//     resourceVersion V satisfies T < V < R: a status written while the setting was in effect.
//     A status written after the revert (V > R), e.g. by the very reconcile that reverted, is
//     fine; one written before the tampering (V < T) says nothing about it.
//
// The check is conservative in that it cannot fail for a status written outside (T, R), and
// it waits until the platform watch has delivered every version up to the current one before
// judging, so no status written inside (T, R) can be missed. To keep a reconcile that started
// before the tampering from writing a stale status into the window, the platform must be quiet
// (no status write for two seconds) before the tampering starts.
func runTampering(t *testing.T, key types.NamespacedName, tc tampering) {
	ctx := testContext(t, 4*time.Minute)
	name := tc.name(key.Name)
	waitQuiet(t, key, 2*time.Second)

	target := tc.obj()
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: name}, target); err != nil {
		t.Fatal(err)
	}
	if tc.live(target) {
		t.Fatalf("%s %s already has the tampered setting before the test changed it", tc.kind, name)
	}
	mp, err := getPlatform(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	objects := watchObject(ctx, tc.list, key.Namespace, name, target.GetResourceVersion())
	platform := watchPlatform(ctx, key, mp.ResourceVersion)

	args := append([]string{"-n", key.Namespace}, tc.kubectl(key.Name)...)
	started := time.Now()
	out, err := kubectl(ctx, args...)
	kubectlDone := time.Now()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("kubectl %s (%s): %s", strings.Join(args, " "), kubectlDone.Sub(started).Round(time.Millisecond), strings.TrimSpace(out))

	tampered, i, err := objects.waitFirst(30*time.Second, 0, func(o observed) bool { return o.deleted || tc.live(o.obj) })
	if err != nil {
		t.Fatalf("the tampering of %s %s never became visible: %v", tc.kind, name, err)
	}
	reverted, _, err := objects.waitFirst(60*time.Second, i+1, func(o observed) bool { return !o.deleted && !tc.live(o.obj) })
	if err != nil {
		t.Fatalf("%s %s was not reverted: %v", tc.kind, name, err)
	}
	latency := reverted.at.Sub(tampered.at)
	recordMeasurement("revert latency (tampering visible -> revert visible)", tc.sentence, latency)
	recordMeasurement("revert latency (kubectl started -> revert visible)", tc.sentence, reverted.at.Sub(started))
	t.Logf("%s %s: tampered at rv %d, reverted at rv %d, %s later (%s after kubectl started)",
		tc.kind, name, tampered.rv, reverted.rv, latency.Round(time.Millisecond), reverted.at.Sub(started).Round(time.Millisecond))
	if latency > revertBudget {
		t.Errorf("the revert took %s, more than %s", latency.Round(time.Millisecond), revertBudget)
	}

	ev := waitEvent(t, key.Namespace, eventMatch{platform: key.Name, reason: "DriftReverted", since: started, about: name}, 30*time.Second)
	t.Logf("event: %s", ev)

	// Judge the platform's status only when the watch holds every version written so far.
	mp, _ = waitPlatform(t, key, time.Minute, "Ready and Compliant again after the revert", readyAndCompliant)
	if err := platform.waitSeen(parseRV(mp.ResourceVersion), 30*time.Second); err != nil {
		t.Fatalf("the platform watch fell behind: %v", err)
	}
	history, err := platform.snapshot()
	if err != nil {
		t.Fatalf("platform watch: %v", err)
	}
	var window, violations []string
	for _, e := range history {
		if e.rv <= tampered.rv || e.rv >= reverted.rv {
			continue
		}
		window = append(window, e.String())
		if e.compliant == metav1.ConditionTrue {
			violations = append(violations, e.String())
		}
	}
	t.Logf("platform versions written while the tampering was live (rv %d..%d): %d\n  %s",
		tampered.rv, reverted.rv, len(window), strings.Join(window, "\n  "))
	if len(violations) > 0 {
		t.Errorf("Compliant=True was reported while the tampered setting of %s %s was live (rv %d..%d):\n  %s",
			tc.kind, name, tampered.rv, reverted.rv, strings.Join(violations, "\n  "))
	}
}

// waitQuiet waits until the platform's object has not changed for quiet: no reconcile is
// still writing its status.
func waitQuiet(t testing.TB, key types.NamespacedName, quiet time.Duration) {
	t.Helper()
	ctx := testContext(t, 2*time.Minute)
	var lastRV string
	var since time.Time
	waitFor(t, time.Minute, fmt.Sprintf("%s to stop changing for %s", key, quiet), func() error {
		mp, err := getPlatform(ctx, key)
		if err != nil {
			return err
		}
		if err := readyAndCompliant(mp); err != nil {
			lastRV = ""
			return err
		}
		if mp.ResourceVersion != lastRV {
			lastRV, since = mp.ResourceVersion, time.Now()
		}
		if time.Since(since) < quiet {
			return fmt.Errorf("changed %s ago (rv %s)", time.Since(since).Round(time.Millisecond), lastRV)
		}
		return nil
	})
}
