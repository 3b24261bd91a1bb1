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

package controllers

// Passes that cannot finish leave no trap: a stall before the first apply, a refused child, a
// webhook or quota that says no.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func TestAPlatformThatArrivesBeforeItsSecretsDeploysWithoutFalseDrift(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	for _, mode := range []v1alpha1.ComplianceMode{v1alpha1.ComplianceModeAudit, v1alpha1.ComplianceModeEnforce} {
		t.Run(string(mode), func(t *testing.T) {
			ns := newNamespace(t)
			// The GitOps order: the platform is applied before the Secrets it names.
			mp := newPlatform(ns, mode)
			if err := k8s.Create(context.Background(), mp); err != nil {
				t.Fatal(err)
			}
			eventually(t, "Stalled names the missing Secret", stalledWith(mp, "SecretMissing", `"meet-tls"`))
			createSecrets(t, ns)
			eventually(t, "every child is created once the Secrets exist", func() error { return childrenExist(mp) })
			eventually(t, "the inventory lists every child", func() error {
				inv := getPlatform(t, mp).Status.Inventory
				for _, want := range []string{"Deployment/meet-web", "NetworkPolicy/meet-default-deny", "Secret/meet-credentials"} {
					if !slices.Contains(inv, want) {
						return fmt.Errorf("inventory %v lacks %s", inv, want)
					}
				}
				return nil
			})
			if err := eventFor(mp, "DriftReverted", ""); err == nil {
				t.Error("a first create after the stall was reported as DriftReverted")
			}
			if c := meta.FindStatusCondition(getPlatform(t, mp).Status.Conditions, v1alpha1.ConditionReady); c != nil && containsText(c.Message, "drift left in place") {
				t.Errorf("Ready reports drift for children that were never applied: %s", c.Message)
			}
		})
	}
}

func TestADeletedChildOfTheInventoryIsReportedAsDrift(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "the inventory lists the dns policy", func() error {
		if !slices.Contains(getPlatform(t, mp).Status.Inventory, "NetworkPolicy/meet-dns") {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	// A child the platform's inventory lists is drift when someone deletes it (an unlisted one
	// is simply created: TestAPlatformThatArrivesBeforeItsSecretsDeploysWithoutFalseDrift).
	p := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: "meet-dns"}}
	if err := k8s.Delete(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a DriftReverted event names the recreated policy", func() error {
		return eventFor(mp, "DriftReverted", "NetworkPolicy meet-dns was deleted; recreated")
	})
}

// denyIngresses installs a ValidatingAdmissionPolicy that refuses every Ingress in ns, and
// waits until the API server enforces it.
func denyIngresses(t *testing.T, ns string) (binding *admissionregistrationv1.ValidatingAdmissionPolicyBinding) {
	t.Helper()
	ctx := context.Background()
	name := "deny-ingress-" + ns
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy:    ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: writesOf("networking.k8s.io", "ingresses"),
			Validations:      []admissionregistrationv1.Validation{{Expression: "false", Message: "Ingresses are reviewed by the cluster team"}},
		},
	}
	binding = &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{corev1.LabelMetadataName: ns}}},
		},
	}
	createForTheTest(t, policy, binding)
	eventually(t, "the API server enforces the policy", func() error {
		probe := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probe"},
			Spec: networkingv1.IngressSpec{DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: "x", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}
		err := k8s.Create(ctx, probe, client.DryRunAll)
		if err == nil {
			return fmt.Errorf("an Ingress is still admitted")
		}
		if !containsText(err.Error(), name) {
			return err
		}
		return nil
	})
	return binding
}

// writesOf matches the creates and updates of one resource (version v1).
func writesOf(group, resource string) *admissionregistrationv1.MatchResources {
	return &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
		RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: []string{resource}},
		},
	}}}
}

// createForTheTest creates cluster-scoped objects and deletes them when the test ends.
func createForTheTest(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := k8s.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k8s.Delete(context.Background(), o) })
	}
}

func TestARefusedChildStallsThePlatformWhileItsIsolationIsInPlace(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	binding := denyIngresses(t, ns)
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled names the policy that refused the Ingress", stalledWith(mp, v1alpha1.ReasonAdmissionDenied, binding.Name))
	// Everything else was applied: the refused Ingress did not stop the pass.
	for _, obj := range []client.Object{
		&networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meet-default-deny"}},
		&networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meet-web"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meet-credentials"}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meet-web"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meet-jvb"}},
	} {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			t.Errorf("%T %s: %v", obj, obj.GetName(), err)
		}
	}
	if c := meta.FindStatusCondition(getPlatform(t, mp).Status.Conditions, v1alpha1.ConditionReconciling); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("Reconciling = %+v, want False while stalled (kstatus: Failed, not InProgress)", c)
	}

	// The cluster team lifts the policy: the retry goes through and the stall clears by itself.
	if err := k8s.Delete(context.Background(), binding); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the Ingress is created and the stall clears", func() error {
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "meet"}, &networkingv1.Ingress{}); err != nil {
			return err
		}
		return conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionFalse)
	})
}

func TestAnExhaustedQuotaStallsThePlatformNamingTheQuota(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "two-configmaps"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/configmaps": resource.MustParse("2")}}}
	if err := k8s.Create(context.Background(), quota); err != nil {
		t.Fatal(err)
	}
	// envtest runs no quota controller: publish the quota's status as it would, so that the
	// API server's admission enforces it.
	quota.Status = corev1.ResourceQuotaStatus{Hard: quota.Spec.Hard, Used: corev1.ResourceList{"count/configmaps": resource.MustParse("0")}}
	if err := k8s.Status().Update(context.Background(), quota); err != nil {
		t.Fatal(err)
	}
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled names the quota", stalledWith(mp, v1alpha1.ReasonQuotaExceeded, "two-configmaps"))
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "meet-default-deny"}, &networkingv1.NetworkPolicy{}); err != nil {
		t.Errorf("the default-deny policy is missing while the quota refuses ConfigMaps: %v", err)
	}
	if err := k8s.Delete(context.Background(), quota); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	// The retry waits at most the backoff; the watch on the recreated ConfigMaps is not needed.
	deadline := time.Now().Add(maxBackoff)
	eventually(t, "the stall clears once the quota is gone", func() error {
		if time.Now().After(deadline) {
			return fmt.Errorf("past the backoff")
		}
		return conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionFalse)
	})
}

// platformForOnePass creates a platform with its Secrets that no manager reconciles, and an
// uncached client for the passes a test runs by hand.
func platformForOnePass(t *testing.T) (*v1alpha1.MeetingPlatform, client.WithWatch) {
	t.Helper()
	ensureEUNode(t)
	ns := newNamespace(t)
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	base, err := client.NewWithWatch(testConfig, client.Options{Scheme: testScheme})
	if err != nil {
		t.Fatal(err)
	}
	return mp, base
}

func TestAPassOutOfTimeStillWritesItsStatus(t *testing.T) {
	mp, base := platformForOnePass(t)
	// The pass's deadline passes while it applies its first child.
	ctx, expire := context.WithCancel(context.Background())
	defer expire()
	c := interceptor.NewClient(base, interceptor.Funcs{
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			expire()
			return cl.Patch(ctx, obj, patch, opts...)
		},
	})
	r := &MeetingPlatformReconciler{Client: c, APIReader: c, Recorder: events.NewFakeRecorder(100)}
	if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(mp)}); err == nil {
		t.Fatal("a pass whose context expired reported success")
	}
	c2 := meta.FindStatusCondition(getPlatform(t, mp).Status.Conditions, v1alpha1.ConditionReconciling)
	if c2 == nil || c2.Reason != v1alpha1.ReasonRetryingAfterError || !containsText(c2.Message, "context canceled") {
		t.Fatalf("Reconciling = %+v, want RetryingAfterError naming the expired context", c2)
	}
}

func TestOfTwoFirstPassesOnlyOneWritesTheCredentials(t *testing.T) {
	mp, base := platformForOnePass(t)
	ns := mp.Namespace
	// Another first pass (the previous leader's) writes its passwords between this pass's read
	// and its write.
	theirs := map[string][]byte{"JICOFO_AUTH_PASSWORD": []byte(strings.Repeat("j", 43)), "JVB_AUTH_PASSWORD": []byte(strings.Repeat("v", 43))}
	var raced bool
	first := func(ctx context.Context, obj client.Object) {
		if s, ok := obj.(*corev1.Secret); ok && s.Name == "meet-credentials" && !raced {
			raced = true
			// The other pass is the operator's too: its Secret is the platform's.
			other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meet-credentials",
				OwnerReferences: []metav1.OwnerReference{controllerRef(v1alpha1.GroupVersion.String(), "MeetingPlatform", mp)}}, Data: theirs}
			if err := base.Create(ctx, other); err != nil {
				t.Errorf("the other writer: %v", err)
			}
		}
	}
	c := interceptor.NewClient(base, interceptor.Funcs{
		Create: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			first(ctx, obj)
			return cl.Create(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			first(ctx, obj)
			return cl.Patch(ctx, obj, patch, opts...)
		},
	})
	r := &MeetingPlatformReconciler{Client: c, APIReader: c, Recorder: events.NewFakeRecorder(1000)}
	for range 2 {
		if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(mp)}); err != nil {
			t.Fatal(err)
		}
	}
	if !raced {
		t.Fatal("the pass never wrote the credentials Secret")
	}
	live := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "meet-credentials"}, live); err != nil {
		t.Fatal(err)
	}
	for k, v := range theirs {
		if string(live.Data[k]) != string(v) {
			t.Errorf("%s was overwritten: the components of the other pass would use a password that no longer exists", k)
		}
	}
}

func TestARevertThatAnAdmissionPolicyUndoesIsNotClaimed(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	ctx := context.Background()
	// A mutating admission policy turns recording on in the web Deployment on every write.
	name := "record-" + ns
	policy := &admissionregistrationv1.MutatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{
			FailurePolicy:      ptr.To(admissionregistrationv1.Fail),
			MatchConstraints:   writesOf("apps", "deployments"),
			MatchConditions:    []admissionregistrationv1.MatchCondition{{Name: "web", Expression: "object.metadata.name == 'meet-web'"}},
			ReinvocationPolicy: admissionregistrationv1.NeverReinvocationPolicy,
			Mutations: []admissionregistrationv1.Mutation{{
				PatchType:          admissionregistrationv1.PatchTypeApplyConfiguration,
				ApplyConfiguration: &admissionregistrationv1.ApplyConfiguration{Expression: `Object{spec: Object.spec{template: Object.spec.template{spec: Object.spec.template.spec{containers: [Object.spec.template.spec.containers{name: "web", env: [Object.spec.template.spec.containers.env{name: "ENABLE_RECORDING", value: "true"}]}]}}}}`},
			}},
		},
	}
	binding := &admissionregistrationv1.MutatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.MutatingAdmissionPolicyBindingSpec{
			PolicyName: name,
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{corev1.LabelMetadataName: ns}}},
		},
	}
	createForTheTest(t, policy, binding)
	eventually(t, "the API server applies the policy", func() error {
		probe := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meet-web"},
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "x"}}}}}}
		if err := k8s.Create(ctx, probe, client.DryRunAll); err != nil {
			return err
		}
		if env := probe.Spec.Template.Spec.Containers[0].Env; len(env) != 1 || env[0].Value != "true" {
			return fmt.Errorf("not yet mutated: %v", env)
		}
		return nil
	})
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(ctx, mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled names the object and the field the API server sets back",
		stalledWith(mp, v1alpha1.ReasonAdmissionMutated, "Deployment meet-web"))
	if err := eventFor(mp, "DriftReverted", "meet-web"); err == nil {
		t.Error("a DriftReverted event claims a revert of meet-web that the API server undid")
	}
	if err := eventFor(mp, v1alpha1.EventDriftNotReverted, "ENABLE_RECORDING"); err != nil {
		t.Errorf("no DriftNotReverted event names the field: %v", err)
	}
	if c := meta.FindStatusCondition(getPlatform(t, mp).Status.Conditions, v1alpha1.ConditionRecordingDisabled); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("RecordingDisabled = %+v, want False: compliance judges what the API server stored", c)
	}
}

func TestKubectlRolloutRestartIsNotDrift(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "Ready", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })
	// What `kubectl rollout restart deployment/meet-web` sends.
	at := time.Now().UTC().Format(time.RFC3339)
	web := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: "meet-web"}}
	patch := client.RawPatch(types.StrategicMergePatchType,
		[]byte(`{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"`+at+`"}}}}}`))
	if err := k8s.Patch(context.Background(), web, patch, client.FieldOwner("kubectl-rollout")); err != nil {
		t.Fatal(err)
	}
	consistently(t, "the restart stays in place", 3*time.Second, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(web), web); err != nil {
			return err
		}
		if web.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] != at {
			return fmt.Errorf("the restart annotation was removed: the pods would roll twice")
		}
		return nil
	})
	if err := eventFor(mp, "DriftReverted", "meet-web"); err == nil {
		t.Error("a rollout restart was reported as drift")
	}
}

func TestARotatedSecretRollsThePodsThatReadIt(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	digest := func(component string) string {
		d := &appsv1.Deployment{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: "meet-" + component}, d); err != nil {
			t.Fatal(err)
		}
		return d.Spec.Template.Annotations[settings.SecretsDigestAnnotation]
	}
	before := map[string]string{}
	for _, c := range []string{"web", "prosody", "jicofo", "jvb"} {
		before[c] = digest(c)
	}
	if before["web"] != "" || before["prosody"] == "" || before["jicofo"] == "" {
		t.Fatalf("digests %v: want one on every component that reads a Secret, none on web", before)
	}

	// Rotating the JWT signing secret rolls prosody, which reads it, and nothing else.
	jwt := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: "meet-jwt"}, jwt); err != nil {
		t.Fatal(err)
	}
	jwt.Data["secret"] = []byte("a-rotated-signing-secret-that-is-long-enough")
	if err := k8s.Update(context.Background(), jwt); err != nil {
		t.Fatal(err)
	}
	eventually(t, "prosody's pod template follows the rotated Secret", func() error {
		if digest("prosody") == before["prosody"] {
			return fmt.Errorf("unchanged")
		}
		return nil
	})
	for _, c := range []string{"jicofo", "jvb"} {
		if digest(c) != before[c] {
			t.Errorf("%s rolled for a Secret it does not read", c)
		}
	}

	// A deleted credentials Secret comes back with new passwords: every component that holds
	// one rolls with it.
	prosody := digest("prosody")
	creds := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: "meet-credentials"}}
	if err := k8s.Delete(context.Background(), creds); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the deletion is reported as drift", func() error {
		return eventFor(mp, "DriftReverted", "Secret meet-credentials was deleted; recreated with new passwords")
	})
	eventually(t, "prosody, jicofo and the videobridge roll together with the new credentials", func() error {
		for c, old := range map[string]string{"prosody": prosody, "jicofo": before["jicofo"], "jvb": before["jvb"]} {
			if digest(c) == old {
				return fmt.Errorf("%s still runs with the old credentials", c)
			}
		}
		return nil
	})
}

// The platform's own budget blocks the eviction of a misplaced prosody pod when the platform
// blocks evictions of its meeting components (spec.disruption.meetings: Block): the pod stays,
// the Event names the budget and DataResidency says the pod is outside. (Kubernetes' eviction
// API supports one budget per pod, so this is the budget every eviction meets.)
func TestAnEvictionABudgetBlocksIsReportedNamingTheBudget(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	ctx := context.Background()
	updatePlatform(t, mp, func(p *v1alpha1.MeetingPlatform) { p.Spec.Disruption.Meetings = v1alpha1.DisruptionBlock })
	pdb := &policyv1.PodDisruptionBudget{}
	eventually(t, "the prosody budget allows no disruption", func() error {
		key := client.ObjectKey{Namespace: mp.Namespace, Name: settings.PodDisruptionBudgetName(mp, settings.Prosody)}
		if err := k8s.Get(ctx, key, pdb); err != nil {
			return err
		}
		if pdb.Spec.MaxUnavailable.IntValue() != 0 {
			return fmt.Errorf("maxUnavailable %s", pdb.Spec.MaxUnavailable)
		}
		return nil
	})
	// The status the disruption controller (which envtest lacks) computes for one ready pod.
	pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: 0,
		CurrentHealthy: 1, DesiredHealthy: 1, ExpectedPods: 1}
	if err := k8s.Status().Update(ctx, pdb); err != nil {
		t.Fatal(err)
	}
	// A node in the USA, and a prosody pod of the platform on it, owned like a ReplicaSet's.
	us := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "us-node-" + mp.Namespace, Labels: map[string]string{corev1.LabelTopologyRegion: "us-east-1"}}}
	if err := k8s.Create(ctx, us); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, us) })
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: "meet-prosody-5d9c7b8f6d-abcde",
			Labels: settings.Labels(mp, string(settings.Prosody)),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "meet-prosody-5d9c7b8f6d",
				UID: "6f1c2a9e-0000-4000-8000-0000000000aa", Controller: ptr.To(true)}}},
		Spec: corev1.PodSpec{NodeName: us.Name, Containers: []corev1.Container{{Name: "prosody", Image: "ghcr.io/jitsi/prosody"}}},
	}
	if err := k8s.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	// Running and ready, as a kubelet reports it: a pending pod could be evicted despite the budget.
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	if err := k8s.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	eventually(t, "an EvictionBlocked event names the pod and the budget", func() error {
		return eventFor(mp, v1alpha1.EventEvictionBlocked, pdb.Name)
	})
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod); err != nil || pod.DeletionTimestamp != nil {
		t.Errorf("the pod was evicted despite its budget (err %v)", err)
	}
	eventually(t, "DataResidency reports the pod that stays", func() error {
		return conditionIs(mp, v1alpha1.ConditionDataResidency, metav1.ConditionFalse)
	})
}

func TestAStaleCachedStatusRepeatsNoEvent(t *testing.T) {
	ns := newNamespace(t)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	recorder := events.NewFakeRecorder(100)
	r := &MeetingPlatformReconciler{Client: k8s, APIReader: k8s, Recorder: recorder}
	// Two passes read the same cached status: the first one's write has not reached the cache.
	stale := getPlatform(t, mp)
	failing := []v1alpha1.ControlStatus{{ID: "TEL-1", Result: v1alpha1.ResultFail, Severity: v1alpha1.SeverityCritical, Message: "analytics on"}}
	for range 2 {
		s := &scope{mp: settings.Defaulted(stale), now: time.Now(), inventory: sets.New[string](), results: failing}
		if err := r.patchStatus(context.Background(), s, stale.DeepCopy(), nil); err != nil {
			t.Fatal(err)
		}
	}
	close(recorder.Events)
	var failed int
	for e := range recorder.Events {
		if strings.Contains(e, v1alpha1.EventControlFailed) {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d ControlFailed events for one failure, want 1: the second pass diffed against the stale cache", failed)
	}
}

func TestAChildNoLongerRenderedIsPrunedAndOnlyIfThePlatformControlsIt(t *testing.T) {
	m := startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "Ready", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })
	m.stop()
	ctx := context.Background()
	live := getPlatform(t, mp)
	// What an earlier operator version rendered and this one does not: one child the platform
	// controls, and one listed object that someone else owns by now.
	retired := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: "meet-retired",
		Labels: settings.Labels(mp, ""), OwnerReferences: []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(),
			Kind: "MeetingPlatform", Name: live.Name, UID: live.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}}}
	foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: "meet-adopted"}}
	for _, o := range []client.Object{retired, foreign} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	live.Status.Inventory = append(live.Status.Inventory, "ConfigMap/meet-retired", "ConfigMap/meet-adopted")
	if err := k8s.Status().Update(ctx, live); err != nil {
		t.Fatal(err)
	}
	startManager(t) // the new operator version
	eventually(t, "the retired child is deleted and leaves the inventory", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(retired), &corev1.ConfigMap{})
		if err == nil {
			return fmt.Errorf("meet-retired still exists")
		}
		if !apierrors.IsNotFound(err) {
			return err
		}
		if inv := getPlatform(t, mp).Status.Inventory; slices.Contains(inv, "ConfigMap/meet-retired") || slices.Contains(inv, "ConfigMap/meet-adopted") {
			return fmt.Errorf("inventory %v", inv)
		}
		return nil
	})
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(foreign), &corev1.ConfigMap{}); err != nil {
		t.Errorf("an object the platform does not control was deleted: %v", err)
	}
	if err := eventFor(mp, v1alpha1.EventPruned, "ConfigMap meet-retired"); err != nil {
		t.Error(err)
	}
}

func TestReadyzWaitsForTheCaches(t *testing.T) {
	mgr, err := ctrl.NewManager(testConfig, ctrl.Options{Scheme: testScheme, Metrics: metricsserver.Options{BindAddress: "0"},
		Cache: CacheOptions(), Controller: controllerConfig()})
	if err != nil {
		t.Fatal(err)
	}
	// The informers the reconciler uses, registered before the start as SetupWithManager does.
	for _, obj := range []client.Object{&v1alpha1.MeetingPlatform{}, &appsv1.Deployment{}, &corev1.Pod{}} {
		if _, err := mgr.GetCache().GetInformer(context.Background(), obj, cache.BlockUntilSynced(false)); err != nil {
			t.Fatal(err)
		}
	}
	check := CachesSynced(mgr.GetCache())
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
	if check(req) == nil {
		t.Fatal("ready before the caches started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = mgr.Start(ctx) }()
	eventually(t, "ready once the caches synced", func() error { return check(req) })
}
