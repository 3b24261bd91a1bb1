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
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/test/utils"
)

// Labels the operator puts on every child (docs: architecture.md).
const (
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelComponent = "app.kubernetes.io/component"
	labelManagedBy = "app.kubernetes.io/managed-by"
)

// components are the four Jitsi components, each a Deployment <platform>-<component>.
var components = []string{"web", "prosody", "jicofo", "jvb"}

// --- waiting -----------------------------------------------------------------------------------

// waitFor polls check every 250ms until it returns nil, and fails the test with desc and the
// last error after timeout. It returns how long it took.
func waitFor(t testing.TB, timeout time.Duration, desc string, check func() error) time.Duration {
	t.Helper()
	d, err := poll(timeout, check)
	if err != nil {
		t.Fatalf("timed out after %s waiting for %s: %v", timeout, desc, err)
	}
	return d
}

// poll is waitFor without the test: it returns the last error on timeout.
func poll(timeout time.Duration, check func() error) (time.Duration, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		err := check()
		if err == nil {
			return time.Since(start), nil
		}
		if time.Now().After(deadline) {
			return time.Since(start), err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// testContext is the test's context with a hard upper bound, so no API call hangs a test.
func testContext(t testing.TB, timeout time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// --- parallel scheduling -------------------------------------------------------------------------

// parallelTests counts the parallel top-level tests that have not finished; the final check
// (secrets never logged) waits for them. Every parallel test registers before it pauses in
// t.Parallel, and Go runs every top-level test up to that point before releasing any of them,
// so the final test never waits for a test that has not registered yet.
var parallelTests sync.WaitGroup

func parallelTest(t *testing.T) {
	parallelTests.Add(1)
	t.Cleanup(parallelTests.Done)
	t.Parallel()
}

// --- names, namespaces, ports -------------------------------------------------------------------

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createNamespace makes a namespace that enforces the "restricted" Pod Security Standard, so
// the real Pod Security admission of kube-apiserver must admit every platform pod.
func createNamespace(t testing.TB, prefix string) string {
	t.Helper()
	name := prefix + "-" + randomSuffix()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce":         "restricted",
		"pod-security.kubernetes.io/enforce-version": "latest",
		"e2e.meetwarden.io/test":                     sanitizeLabel(t.Name()),
	}}}
	if err := k8s.Create(testContext(t, 30*time.Second), ns); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	dumpOnFailure(t, name)
	return name
}

func sanitizeLabel(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	out := strings.Trim(b.String(), "_")
	if len(out) > 63 {
		out = strings.Trim(out[:63], "_")
	}
	return out
}

// nodePorts hands out the media NodePort of each platform: NodePorts are unique cluster-wide.
var nodePorts atomic.Int32

func nextNodePort() int32 { return 30100 + nodePorts.Add(1) }

// --- secrets ----------------------------------------------------------------------------------------

// sensitive collects every secret value of the run (generated credentials, JWT secrets, TLS
// keys), also of platforms deleted since; the final test greps the operator logs for them.
var (
	sensitiveMu sync.Mutex
	sensitive   = map[string]string{} // value -> where it came from
)

func rememberSecret(where string, value []byte) {
	if len(value) == 0 {
		return
	}
	sensitiveMu.Lock()
	defer sensitiveMu.Unlock()
	sensitive[string(value)] = where
}

func rememberedSecrets() map[string]string {
	sensitiveMu.Lock()
	defer sensitiveMu.Unlock()
	out := make(map[string]string, len(sensitive))
	for k, v := range sensitive {
		out[k] = v
	}
	return out
}

// rememberCredentials records the values of a platform's generated credentials Secret.
func rememberCredentials(s *corev1.Secret) {
	for k, v := range s.Data {
		rememberSecret(fmt.Sprintf("Secret %s/%s key %s", s.Namespace, s.Name, k), v)
	}
}

func createSecrets(ctx context.Context, mp *v1alpha1.MeetingPlatform) error {
	if name := mp.Spec.TLS.SecretName; name != "" { // a platform on a Gateway has none
		if err := createTLSSecret(ctx, mp.Namespace, name, mp.Spec.Domain); err != nil {
			return err
		}
	}
	if jwt := mp.Spec.Access.JWT; jwt != nil {
		raw := make([]byte, 36)
		_, _ = rand.Read(raw)
		value := []byte(base64.StdEncoding.EncodeToString(raw))
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: jwt.SecretRef.Name},
			Data:       map[string][]byte{jwt.SecretRef.Key: value},
		}
		if err := k8s.Create(ctx, secret); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating JWT Secret: %w", err)
		}
		rememberSecret("JWT secret "+mp.Namespace+"/"+jwt.SecretRef.Name, value)
	}
	return nil
}

// createTLSSecret creates a Secret with a valid certificate for host and remembers its key.
func createTLSSecret(ctx context.Context, namespace, name, host string) error {
	certPEM, keyPEM, err := fixtures.ValidCertificate(host, time.Now()).PEM()
	if err != nil {
		return err
	}
	// A line of the key's base64 body is as secret as the key.
	if lines := strings.Split(string(keyPEM), "\n"); len(lines) > 2 {
		rememberSecret("TLS key of "+namespace+"/"+name, []byte(lines[1]))
	}
	tls := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
	}
	if err := k8s.Create(ctx, tls); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating TLS Secret %s/%s: %w", namespace, name, err)
	}
	return nil
}

// --- platforms -------------------------------------------------------------------------------------

// newPlatform is the sample platform (config/samples) with names and a media port of its own.
func newPlatform(namespace, name string, mutate ...func(*v1alpha1.MeetingPlatform)) *v1alpha1.MeetingPlatform {
	mp := fixtures.Sample(namespace, name, fmt.Sprintf("%s.%s.e2e.example.eu", name, namespace), nextNodePort())
	for _, m := range mutate {
		m(mp)
	}
	return mp
}

var (
	createdAtMu sync.Mutex
	createdAt   = map[types.NamespacedName]time.Time{}
)

// createPlatform creates the platform's TLS and JWT Secrets and the platform itself.
func createPlatform(t testing.TB, mp *v1alpha1.MeetingPlatform) *v1alpha1.MeetingPlatform {
	t.Helper()
	ctx := testContext(t, time.Minute)
	if err := createSecrets(ctx, mp); err != nil {
		t.Fatalf("platform %s/%s: %v", mp.Namespace, mp.Name, err)
	}
	if err := createPlatformObject(ctx, mp); err != nil {
		t.Fatal(err)
	}
	return mp
}

func createPlatformObject(ctx context.Context, mp *v1alpha1.MeetingPlatform) error {
	if err := k8s.Create(ctx, mp); err != nil {
		return fmt.Errorf("creating MeetingPlatform %s/%s: %w", mp.Namespace, mp.Name, err)
	}
	createdAtMu.Lock()
	createdAt[client.ObjectKeyFromObject(mp)] = time.Now()
	createdAtMu.Unlock()
	return nil
}

func platformCreatedAt(key types.NamespacedName) time.Time {
	createdAtMu.Lock()
	defer createdAtMu.Unlock()
	return createdAt[key]
}

func getPlatform(ctx context.Context, key types.NamespacedName) (*v1alpha1.MeetingPlatform, error) {
	mp := &v1alpha1.MeetingPlatform{}
	return mp, k8s.Get(ctx, key, mp)
}

// updatePlatform applies mutate to the latest version, retrying on conflicts.
func updatePlatform(t testing.TB, key types.NamespacedName, mutate func(*v1alpha1.MeetingPlatform)) *v1alpha1.MeetingPlatform {
	t.Helper()
	ctx := testContext(t, time.Minute)
	var mp *v1alpha1.MeetingPlatform
	waitFor(t, 30*time.Second, "updating "+key.String(), func() error {
		var err error
		if mp, err = getPlatform(ctx, key); err != nil {
			return err
		}
		mutate(mp)
		return k8s.Update(ctx, mp)
	})
	return mp
}

// --- conditions --------------------------------------------------------------------------------

func condition(mp *v1alpha1.MeetingPlatform, typ string) *metav1.Condition {
	return meta.FindStatusCondition(mp.Status.Conditions, typ)
}

// conditionIs says whether condition typ has status, for the platform's current generation.
func conditionIs(mp *v1alpha1.MeetingPlatform, typ string, status metav1.ConditionStatus) error {
	c := condition(mp, typ)
	switch {
	case c == nil:
		return fmt.Errorf("%s has no %s condition (conditions: %s)", mp.Name, typ, describeConditions(mp))
	case c.Status != status:
		return fmt.Errorf("%s is %s=%s (%s: %s), want %s", mp.Name, typ, c.Status, c.Reason, c.Message, status)
	case c.ObservedGeneration != mp.Generation:
		return fmt.Errorf("%s has %s=%s for generation %d, the spec is at %d", mp.Name, typ, c.Status, c.ObservedGeneration, mp.Generation)
	}
	return nil
}

func describeConditions(mp *v1alpha1.MeetingPlatform) string {
	var parts []string
	for _, c := range mp.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s(%s)", c.Type, c.Status, c.Reason))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// readyAndCompliant is the converged state: Ready and Compliant True for the current spec.
func readyAndCompliant(mp *v1alpha1.MeetingPlatform) error {
	if err := conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue); err != nil {
		return err
	}
	if err := conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionTrue); err != nil {
		return err
	}
	if mp.Status.ObservedGeneration != mp.Generation {
		return fmt.Errorf("%s: status.observedGeneration %d, generation %d", mp.Name, mp.Status.ObservedGeneration, mp.Generation)
	}
	return nil
}

// waitPlatform polls the platform until check accepts it.
func waitPlatform(t testing.TB, key types.NamespacedName, timeout time.Duration, desc string, check func(*v1alpha1.MeetingPlatform) error) (*v1alpha1.MeetingPlatform, time.Duration) {
	t.Helper()
	ctx := testContext(t, timeout+30*time.Second)
	var mp *v1alpha1.MeetingPlatform
	d := waitFor(t, timeout, fmt.Sprintf("%s: %s", key, desc), func() error {
		var err error
		if mp, err = getPlatform(ctx, key); err != nil {
			return err
		}
		return check(mp)
	})
	return mp, d
}

// waitReady waits until the platform is Ready and Compliant and records the time since its
// creation as "time to Ready" the first time.
func waitReady(t testing.TB, key types.NamespacedName, timeout time.Duration) *v1alpha1.MeetingPlatform {
	t.Helper()
	mp, _ := waitPlatform(t, key, timeout, "Ready=True and Compliant=True", readyAndCompliant)
	if created := platformCreatedAt(key); !created.IsZero() {
		createdAtMu.Lock()
		delete(createdAt, key)
		createdAtMu.Unlock()
		d := time.Since(created)
		recordMeasurement("time to Ready", key.String(), d)
		t.Logf("%s Ready and Compliant %s after creation", key, d.Round(10*time.Millisecond))
	}
	return mp
}

// --- children, pods, nodes -----------------------------------------------------------------------

// platformSelector selects the children of one platform.
func platformSelector(ns, name string) []client.ListOption {
	return []client.ListOption{client.InNamespace(ns), client.MatchingLabels{labelInstance: name, labelName: "jitsi-meet"}}
}

// activePods are the platform's pods that are not being deleted.
func activePods(ctx context.Context, ns, name string) ([]corev1.Pod, error) {
	var pods corev1.PodList
	if err := k8s.List(ctx, &pods, platformSelector(ns, name)...); err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func podRunning(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func envOf(d *appsv1.Deployment, container, name string) (string, bool) {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value, true
			}
		}
	}
	return "", false
}

func podEnv(p *corev1.Pod, name string) (string, bool) {
	for _, c := range p.Spec.Containers {
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value, true
			}
		}
	}
	return "", false
}

// createNode adds a kwok node (kwok acts as its kubelet) with the given labels, waits until it
// is Ready, and deletes it when the test ends. Tests that relabel nodes use nodes of their own
// with a region label key no other test uses, so parallel tests never see each other's nodes.
func createNode(t testing.TB, name string, labels map[string]string) *corev1.Node {
	t.Helper()
	ctx := testContext(t, 2*time.Minute)
	all := map[string]string{
		"type": "kwok", "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "kubernetes.io/hostname": name,
	}
	for k, v := range labels {
		all[k] = v
	}
	capacity := corev1.ResourceList{}
	for k, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: "64", corev1.ResourceMemory: "512Gi", corev1.ResourceEphemeralStorage: "100Gi", corev1.ResourcePods: "110"} {
		capacity[k] = resource.MustParse(v)
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: all, Annotations: map[string]string{
			"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0",
		}},
		Status: corev1.NodeStatus{
			Allocatable: capacity, Capacity: capacity,
			NodeInfo: corev1.NodeSystemInfo{Architecture: "amd64", OperatingSystem: "linux"},
		},
	}
	if err := k8s.Create(ctx, node); err != nil {
		t.Fatalf("creating node %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = k8s.Delete(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}})
	})
	waitFor(t, 60*time.Second, "node "+name+" Ready (kwok)", func() error {
		n := &corev1.Node{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
			return err
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				node = n
				return nil
			}
		}
		return fmt.Errorf("node %s not Ready yet", name)
	})
	return node
}

// setNodeLabel changes one label of a node with a merge patch.
func setNodeLabel(t testing.TB, name, key, value string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, key, value)
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k8s.Patch(testContext(t, 30*time.Second), n, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatalf("labelling node %s %s=%s: %v", name, key, value, err)
	}
}

// --- kubectl -------------------------------------------------------------------------------------

// kubectl runs the real kubectl binary against the e2e cluster.
func kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig=" + kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// --- events --------------------------------------------------------------------------------------

// eventRecord is an Event as either API shows it.
type eventRecord struct {
	api                   string // events.k8s.io/v1 or v1
	name                  string
	typ, reason, note     string
	regardingKind         string
	regardingName         string
	relatedKind           string
	relatedName           string
	firstSeen, lastSeen   time.Time
	count                 int32
	reportingController   string
	regardingResourceUUID types.UID
}

func (e eventRecord) String() string {
	related := ""
	if e.relatedName != "" {
		related = fmt.Sprintf(" related %s/%s", e.relatedKind, e.relatedName)
	}
	return fmt.Sprintf("[%s] %s %s on %s/%s%s x%d at %s: %s", e.api, e.typ, e.reason, e.regardingKind, e.regardingName,
		related, e.count, e.lastSeen.Format("15:04:05.000"), e.note)
}

func laterOf(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// eventsV1 lists the namespace's Events through events.k8s.io/v1, which the operator writes.
func eventsV1(ctx context.Context, ns string) ([]eventRecord, error) {
	var list eventsv1.EventList
	if err := k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := make([]eventRecord, 0, len(list.Items))
	for _, e := range list.Items {
		r := eventRecord{
			api: "events.k8s.io/v1", name: e.Name, typ: e.Type, reason: e.Reason, note: e.Note,
			regardingKind: e.Regarding.Kind, regardingName: e.Regarding.Name, regardingResourceUUID: e.Regarding.UID,
			reportingController: e.ReportingController, count: 1,
			firstSeen: laterOf(e.EventTime.Time, e.DeprecatedFirstTimestamp.Time),
		}
		if e.Related != nil {
			r.relatedKind, r.relatedName = e.Related.Kind, e.Related.Name
		}
		r.lastSeen = laterOf(r.firstSeen, e.DeprecatedLastTimestamp.Time)
		if e.Series != nil {
			r.count = e.Series.Count
			r.lastSeen = laterOf(r.lastSeen, e.Series.LastObservedTime.Time)
		}
		out = append(out, r)
	}
	return out, nil
}

// eventsCore lists the same Events through the core/v1 API that `kubectl describe` reads.
func eventsCore(ctx context.Context, ns string) ([]eventRecord, error) {
	var list corev1.EventList
	if err := k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := make([]eventRecord, 0, len(list.Items))
	for _, e := range list.Items {
		r := eventRecord{
			api: "v1", name: e.Name, typ: e.Type, reason: e.Reason, note: e.Message,
			regardingKind: e.InvolvedObject.Kind, regardingName: e.InvolvedObject.Name, regardingResourceUUID: e.InvolvedObject.UID,
			reportingController: e.ReportingController, count: max(e.Count, 1),
			firstSeen: laterOf(e.EventTime.Time, e.FirstTimestamp.Time),
		}
		if e.Related != nil {
			r.relatedKind, r.relatedName = e.Related.Kind, e.Related.Name
		}
		r.lastSeen = laterOf(r.firstSeen, e.LastTimestamp.Time)
		if e.Series != nil {
			r.count = e.Series.Count
			r.lastSeen = laterOf(r.lastSeen, e.Series.LastObservedTime.Time)
		}
		out = append(out, r)
	}
	return out, nil
}

// eventMatch selects Events about one platform with one reason, observed at or after since
// (an Event that the recorder folded into a series counts with its last observation).
type eventMatch struct {
	platform string
	reason   string
	since    time.Time
	// about must be named by the Event: its related object's name, or its note.
	about string
}

func (m eventMatch) matches(e eventRecord) bool {
	if e.regardingKind != "MeetingPlatform" || e.regardingName != m.platform || e.reason != m.reason {
		return false
	}
	// Event times have microsecond (events.k8s.io) or second (core/v1) resolution.
	if e.lastSeen.Before(m.since.Add(-time.Second)) {
		return false
	}
	return m.about == "" || e.relatedName == m.about || strings.Contains(e.note, m.about)
}

// waitEvent waits for an Event matching m in both Event APIs and returns the events.k8s.io one.
func waitEvent(t testing.TB, ns string, m eventMatch, timeout time.Duration) eventRecord {
	t.Helper()
	ctx := testContext(t, timeout+30*time.Second)
	var found eventRecord
	waitFor(t, timeout, fmt.Sprintf("a %s Event on MeetingPlatform %s/%s naming %q", m.reason, ns, m.platform, m.about), func() error {
		v1, err := eventsV1(ctx, ns)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(v1, m.matches)
		if i < 0 {
			return fmt.Errorf("none in events.k8s.io/v1 among %d Events: %s", len(v1), summarizeEvents(v1, m.platform))
		}
		core, err := eventsCore(ctx, ns)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(core, m.matches) {
			return fmt.Errorf("events.k8s.io/v1 has %s but core/v1 does not show it", v1[i])
		}
		found = v1[i]
		return nil
	})
	return found
}

func matchingEvents(ctx context.Context, ns string, m eventMatch) ([]eventRecord, error) {
	all, err := eventsV1(ctx, ns)
	if err != nil {
		return nil, err
	}
	var out []eventRecord
	for _, e := range all {
		if m.matches(e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func summarizeEvents(events []eventRecord, platform string) string {
	var parts []string
	for _, e := range events {
		if platform == "" || e.regardingName == platform {
			parts = append(parts, e.String())
		}
	}
	if len(parts) > 12 {
		parts = parts[len(parts)-12:]
	}
	return strings.Join(parts, "\n  ")
}

// --- diagnostics -----------------------------------------------------------------------------------

// dumpOnFailure prints the state of a namespace's platforms when the test fails: conditions,
// failing controls, pods with their nodes, the latest Events and the operator's last lines.
func dumpOnFailure(t testing.TB, ns string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var b strings.Builder
		fmt.Fprintf(&b, "==== state of namespace %s ====\n", ns)
		var mps v1alpha1.MeetingPlatformList
		if err := k8s.List(ctx, &mps, client.InNamespace(ns)); err == nil {
			for _, mp := range mps.Items {
				fmt.Fprintf(&b, "MeetingPlatform %s gen %d observedGeneration %d\n", mp.Name, mp.Generation, mp.Status.ObservedGeneration)
				for _, c := range mp.Status.Conditions {
					fmt.Fprintf(&b, "  %-18s %-5s gen %d %s: %s\n", c.Type, c.Status, c.ObservedGeneration, c.Reason, c.Message)
				}
				if mp.Status.Compliance != nil {
					for _, c := range mp.Status.Compliance.Controls {
						if c.Result != v1alpha1.ResultPass {
							fmt.Fprintf(&b, "  control %s %s: %s\n", c.ID, c.Result, c.Message)
						}
					}
				}
				for _, c := range mp.Status.Components {
					fmt.Fprintf(&b, "  component %s %d/%d\n", c.Name, c.ReadyReplicas, c.DesiredReplicas)
				}
			}
		}
		var pods corev1.PodList
		if err := k8s.List(ctx, &pods, client.InNamespace(ns)); err == nil {
			for _, p := range pods.Items {
				fmt.Fprintf(&b, "pod %s node=%q phase=%s deleting=%v\n", p.Name, p.Spec.NodeName, p.Status.Phase, p.DeletionTimestamp != nil)
			}
		}
		var rss appsv1.ReplicaSetList
		if err := k8s.List(ctx, &rss, client.InNamespace(ns)); err == nil {
			for _, rs := range rss.Items {
				for _, c := range rs.Status.Conditions {
					fmt.Fprintf(&b, "replicaset %s %s=%s: %s\n", rs.Name, c.Type, c.Status, c.Message)
				}
			}
		}
		if evs, err := eventsCore(ctx, ns); err == nil {
			sort.Slice(evs, func(i, j int) bool { return evs[i].lastSeen.Before(evs[j].lastSeen) })
			if len(evs) > 25 {
				evs = evs[len(evs)-25:]
			}
			for _, e := range evs {
				fmt.Fprintf(&b, "event %s\n", e)
			}
		}
		if op := getMainOperator(); op != nil {
			if op.exited() {
				fmt.Fprintf(&b, "THE OPERATOR (pid %d) HAS EXITED: %v\n", op.cmd.Process.Pid, op.exitErr)
			}
			fmt.Fprintf(&b, "---- last lines of %s ----\n%s\n", op.logPath, utils.TailFile(op.logPath, 30))
		}
		t.Log(b.String())
	})
}

// --- measurements ----------------------------------------------------------------------------------

type measurement struct {
	group, name string
	d           time.Duration
}

var (
	measurementsMu sync.Mutex
	measurements   []measurement
)

func recordMeasurement(group, name string, d time.Duration) {
	measurementsMu.Lock()
	defer measurementsMu.Unlock()
	measurements = append(measurements, measurement{group, name, d})
}

// printSummary prints every measured latency, grouped, with min/median/max per group.
func printSummary(logf func(format string, args ...any), detail bool) {
	measurementsMu.Lock()
	ms := slices.Clone(measurements)
	measurementsMu.Unlock()
	if len(ms) == 0 {
		return
	}
	groups := map[string][]measurement{}
	var order []string
	for _, m := range ms {
		if _, ok := groups[m.group]; !ok {
			order = append(order, m.group)
		}
		groups[m.group] = append(groups[m.group], m)
	}
	sort.Strings(order)
	logf("==== e2e measurements ====")
	for _, g := range order {
		items := groups[g]
		ds := make([]time.Duration, len(items))
		for i, m := range items {
			ds[i] = m.d
		}
		slices.Sort(ds)
		logf("%s: n=%d min=%s median=%s max=%s", g, len(ds), round(ds[0]), round(ds[len(ds)/2]), round(ds[len(ds)-1]))
		if !detail {
			continue
		}
		sort.Slice(items, func(i, j int) bool { return items[i].name < items[j].name })
		for _, m := range items {
			logf("    %-60s %s", m.name, round(m.d))
		}
	}
}

func round(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}

func keyOf(mp *v1alpha1.MeetingPlatform) types.NamespacedName { return client.ObjectKeyFromObject(mp) }
