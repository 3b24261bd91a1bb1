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

// Package controllers holds the MeetingPlatform reconciler. It is thin: rendering, evaluation and
// the region catalog live in pure subpackages; this package reads the cluster, applies, and
// reports.
package controllers

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// MeetingPlatformReconciler deploys, guards and evaluates MeetingPlatforms.
type MeetingPlatformReconciler struct {
	client.Client
	// APIReader reads objects the label-restricted cache does not hold: the user's TLS, JWT
	// and LDAP Secrets, and the credentials Secret before it is ever generated.
	APIReader client.Reader
	Recorder  events.EventRecorder
	// Now is the operator's one clock: read once per pass, it dates the evaluation
	// (certificate validity, lastEvaluationTime). Tests may replace it; nil is time.Now.
	Now func() time.Time
	// Roots are the certificate authorities TLS-2 trusts (TrustStore); nil: none, and TLS-2
	// warns that it cannot check who issued a certificate.
	Roots *x509.CertPool
	// Evictions is a REST client of the core API group that evicts pods without client-go's
	// retries (see evict); nil falls back to the manager's client.
	Evictions rest.Interface
	// MaxConcurrentReconciles is how many platforms are reconciled in parallel (default 1).
	MaxConcurrentReconciles int
	// MaxConcurrentRollouts bounds how many platforms roll out, at once, a pod template the
	// operator changed by itself (rollout.go); 0 or less: no bound.
	MaxConcurrentRollouts int
	// ImageTag is the release an empty spec.image.tag resolves to; empty: the release this
	// operator version was verified with (v1alpha1.DefaultImageTag). Tests set it to play a
	// newer operator version.
	ImageTag string
	// TokenBridgeImage is the image the OIDC token bridge runs: the operator's own, which holds
	// the bridge binary (--tokenbridge-image); empty: settings.DefaultTokenBridgeImage.
	TokenBridgeImage string
	// WatchHealth guards the informers of the manager's cache (WatchHealth.Guard) and says
	// while it may be stale; nil: no guard, compliance is reported as evaluated.
	WatchHealth *WatchHealth
	// written remembers the status last written per platform: the cache may not show it yet,
	// and a status compared against a stale cache would otherwise never be corrected.
	written sync.Map
	// optional knows which optional kinds (cert-manager's Certificate) the cluster serves,
	// and starts their watches when they appear; nil until SetupWithManager.
	optional *optionalAPIs
	// inputNames is the metadata-only cache of the user's Secrets and claims
	// (userInputWatches); nil until the watches are set up.
	inputNames cache.Cache
	// WatchNamespaces are the namespaces the operator reconciles (--watch-namespaces); empty:
	// all. The manager's cache must be restricted the same way (CacheOptions).
	WatchNamespaces []string
	// refusedPasses and blockedEvictions count, per platform, the passes in a row whose writes
	// were refused or whose evictions a PodDisruptionBudget blocked (backoff).
	refusedPasses    sync.Map
	blockedEvictions sync.Map
	// inputSecrets holds the user's Secrets last read, by key, with their resourceVersion (readInput).
	inputSecrets sync.Map
	// loops counts the corrections made again and again (loops.go).
	loops loops
	// warnedImages remembers, per platform, the unverified tag an UnverifiedImage Event was
	// emitted for.
	warnedImages sync.Map
	// heldDigests remembers, by Deployment, the digest of what a component whose rollout is held
	// keeps (rollout.go).
	heldDigests sync.Map
	// rolloutSlots are the fleet's rollout slots (rollouts()).
	rolloutsOnce sync.Once
	rolloutSlots *rolloutSlots
}

// NewMeetingPlatformReconciler wires the reconciler to a manager.
func NewMeetingPlatformReconciler(mgr ctrl.Manager) (*MeetingPlatformReconciler, error) {
	core, err := kubernetes.NewForConfigAndClient(mgr.GetConfig(), mgr.GetHTTPClient())
	if err != nil {
		return nil, err
	}
	roots, err := TrustStore("")
	if err != nil {
		return nil, err
	}
	recorder, err := newEventRecorder(mgr)
	if err != nil {
		return nil, err
	}
	return &MeetingPlatformReconciler{
		Roots:     roots,
		Evictions: core.CoreV1().RESTClient(),
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  recorder,
		Now:       time.Now,

		MaxConcurrentRollouts: DefaultMaxConcurrentRollouts,
	}, nil
}

// ClientOptions make the manager's client read the optional kinds (cert-manager Certificates,
// OpenReports Reports), which are unstructured, from the cache like every other child:
// controller-runtime reads unstructured objects from the API server unless told otherwise
// (v0.24, pkg/client/client.go: CacheOptions.Unstructured), which would cost a GET per child
// and pass. Their watches start before they are read (optionalAPIs.Served).
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{Unstructured: true}}
}

// CacheOptions restricts the manager's cache to objects labelled as part of a platform, plus
// MeetingPlatforms and Nodes, so memory does not grow with unrelated objects in the cluster.
// With namespaces (--watch-namespaces) it holds only the namespaced objects of those; Nodes are
// cluster-scoped and stay cached whole, for placement.
func CacheOptions(namespaces ...string) cache.Options {
	return cache.Options{
		DefaultNamespaces:    namespaceConfigs(namespaces),
		DefaultLabelSelector: platformObjects,
		// The operator's apply entries in managedFields are as large as its objects and never
		// read from the cache.
		DefaultTransform: apply.TrimManagedFields,
		ByObject: map[client.Object]cache.ByObject{
			&v1alpha1.MeetingPlatform{}: {Label: labels.Everything()},
			// Pods and Nodes are read for placement only; their managedFields (and a node's
			// list of images) are the largest part of them and never used.
			&corev1.Pod{}:  {Transform: slimPod},
			&corev1.Node{}: {Label: labels.Everything(), Transform: slimNode},
			// A NetworkPolicy or Ingress anyone adds to a platform's namespace can open what
			// the operator's own objects close (policies add up; a second Ingress for the
			// domain can serve plain HTTP), so the controls must see them all. Clusters hold
			// few of either.
			&networkingv1.NetworkPolicy{}: {Label: labels.Everything()},
			// Every Ingress of the cluster: ingress controllers merge the rules of one host
			// from all namespaces, so another tenant's Ingress can serve a platform's domain.
			&networkingv1.Ingress{}: {Label: labels.Everything()},
			// Every IngressClass: its controller decides whether the redirect of TLS-1 can be
			// verified. Clusters hold a handful.
			&networkingv1.IngressClass{}: {Label: labels.Everything()},
			// Every EndpointSlice that names a Service: a hand-made slice labelled with a
			// platform Service's name sends that Service's traffic wherever it says.
			&discoveryv1.EndpointSlice{}: {Label: serviceEndpoints, Transform: apply.TrimManagedFields},
		},
	}
}

// slimPod keeps what placement and the evaluation read of a cached Pod: its metadata (labels,
// owner, deletion), the node it runs on, its phase and addresses (matched against the
// EndpointSlices), and the two things of a running pod that can change without its ReplicaSet:
// the containers' images (a pod's image is mutable) and ephemeral containers (kubectl debug).
// The rest repeats its ReplicaSet's template, which the evaluation judges instead, and would be
// most of the cache.
func slimPod(obj any) (any, error) {
	if pod, ok := obj.(*corev1.Pod); ok {
		pod.ManagedFields = nil
		pod.Spec = corev1.PodSpec{NodeName: pod.Spec.NodeName, InitContainers: images(pod.Spec.InitContainers),
			Containers: images(pod.Spec.Containers), EphemeralContainers: ephemeralNames(pod.Spec.EphemeralContainers)}
		pod.Status = corev1.PodStatus{Phase: pod.Status.Phase, PodIPs: pod.Status.PodIPs}
	}
	return obj, nil
}

// images keeps the name and image of each container.
func images(cs []corev1.Container) []corev1.Container {
	out := make([]corev1.Container, 0, len(cs))
	for _, c := range cs {
		out = append(out, corev1.Container{Name: c.Name, Image: c.Image})
	}
	return out
}

// ephemeralNames keeps the name and image of each ephemeral container.
func ephemeralNames(cs []corev1.EphemeralContainer) []corev1.EphemeralContainer {
	out := make([]corev1.EphemeralContainer, 0, len(cs))
	for _, c := range cs {
		out = append(out, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: c.Name, Image: c.Image}})
	}
	return out
}

// serviceEndpoints selects the EndpointSlices that belong to a Service.
var serviceEndpoints = func() labels.Selector {
	named, _ := labels.NewRequirement(discoveryv1.LabelServiceName, selection.Exists, nil)
	return labels.NewSelector().Add(*named)
}()

// slimNode drops what placement never reads from a cached Node.
func slimNode(obj any) (any, error) {
	if node, ok := obj.(*corev1.Node); ok {
		node.ManagedFields = nil
		node.Status.Images = nil
	}
	return obj, nil
}

// scope is what one reconcile of one platform knows; sub-reconcilers fill it in order.
type scope struct {
	// mp is the platform with its defaults applied (settings.Defaulted); its status is what
	// the deferred patch writes.
	mp *v1alpha1.MeetingPlatform
	// now is the time of the pass (MeetingPlatformReconciler.Now).
	now time.Time
	// inventory is status.inventory as this pass leaves it (syncChild).
	inventory sets.Set[string]
	// createdEarlier is the inventory ID of a child an earlier step of this pass created (the
	// credentials Secret): the cache cannot show it yet, so reconcileChildren leaves it alone.
	createdEarlier string
	// desired are the rendered children, nil when the spec cannot be rendered.
	desired []client.Object

	// stalled is the first stall of the pass; it becomes the Stalled condition.
	stalled *stallError
	// applied counts children this pass created or updated because the desired state changed.
	applied int
	// reverted names the objects whose drift this pass reverted.
	reverted []string
	// drifted names the objects that differ from the desired state and were left alone (Audit).
	drifted []string
	// inputs are the user's Secrets the platform references, read once per pass.
	inputs inputs
	// credentials are the generated component passwords.
	credentials map[string][]byte
	// snapshot is the live state that compliance is evaluated on.
	snapshot *liveState
	// results are the control results of this pass.
	results    []v1alpha1.ControlStatus
	components []v1alpha1.ComponentStatus
	// media is status.media: what each bridge advertises (reconcileDesired); nil when the pass
	// did not get that far.
	media *v1alpha1.MediaStatus
	// mediaInputs are what the cluster says about the bridges' addresses, as rendered
	// (reconcileDesired); compliance judges the TURN relay's allowed peers by them.
	mediaInputs settings.MediaInputs
	// cacheStaleSince is when the open degraded window of the cache began (WatchHealth); zero
	// while the cache is current.
	cacheStaleSince time.Time
	// evictionBlocked is set when a PodDisruptionBudget refused an eviction of this pass.
	evictionBlocked bool
	// rollingOut names the components whose Deployment does not yet run its current template
	// everywhere; their ready replicas may still be serving the previous one.
	rollingOut []string
	// revertsPaused holds the inventory IDs of the children whose reverts pause (RevertLoop).
	revertsPaused map[string]bool
	// observedGeneration is status.observedGeneration as the pass found it, and
	// previouslyStalled says whether the status was Stalled.
	observedGeneration int64
	previouslyStalled  bool
	// middlewaresServed says that the platform's Ingress is Traefik's and the cluster serves
	// Traefik's Middleware kind: its redirect and headers are Middlewares (renderOptions).
	middlewaresServed bool
	// image is the release the pass renders (status.image).
	image v1alpha1.ImageStatus
	// held is the rollout this pass held back (paceRollout), nil when none.
	held *heldRollout
	// revertedByRollout maps the children whose drift a write of this pass reverts together
	// with a rollout to the drift (inventory ID to description).
	revertedByRollout map[string]string
}

// +kubebuilder:rbac:groups=meetwarden.io,resources=meetingplatforms,verbs=get;list;watch
// +kubebuilder:rbac:groups=meetwarden.io,resources=meetingplatforms/status,verbs=get;update;patch
// Owner references with blockOwnerDeletion need update on the owner's finalizers where the
// OwnerReferencesPermissionEnforcement admission plugin runs (OpenShift's default).
// +kubebuilder:rbac:groups=meetwarden.io,resources=meetingplatforms/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services;configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=replicasets,verbs=get;list;watch
// +kubebuilder:rbac:groups=discovery.k8s.io,resources=endpointslices,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=pods/eviction,verbs=create
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses;networkpolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=cert-manager.io,resources=certificates,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=gateways;referencegrants;gatewayclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one MeetingPlatform towards its desired state and reports what it found.
// The order is always the same: get, one deferred status patch, then the sub-reconcilers.
func (r *MeetingPlatformReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	original := &v1alpha1.MeetingPlatform{}
	if err := r.Get(ctx, req.NamespacedName, original); err != nil {
		if apierrors.IsNotFound(err) {
			forgetMetrics(req.Namespace, req.Name)
			r.written.Delete(req.NamespacedName)
			r.forgetRollouts(req.NamespacedName)
			r.warnedImages.Delete(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !original.DeletionTimestamp.IsZero() {
		// Owner references let the garbage collector remove every child.
		r.forgetRollouts(req.NamespacedName)
		return ctrl.Result{}, nil
	}
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("meetingplatform", klog.KObj(original)))

	// The defaults are applied once, here: every step, the renderer and the evaluator read
	// this copy. The API server has applied them already; this covers objects read before a
	// default was added, and keeps unit tests honest.
	previous := r.previousStatus(original)
	s := &scope{mp: settings.Defaulted(original), now: r.now(), inventory: sets.New(previous.Inventory...),
		observedGeneration: previous.ObservedGeneration, previouslyStalled: meta.IsStatusConditionTrue(previous.Conditions, v1alpha1.ConditionStalled)}
	defer func() {
		// The pass may have run out of its deadline (ReconcileTimeout): what it found is still
		// written, with a short deadline of its own.
		statusCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusWriteTimeout)
		defer cancel()
		if statusErr := r.patchStatus(statusCtx, s, original, err); statusErr != nil && err == nil {
			err = statusErr
		}
	}()

	for _, step := range r.steps() {
		if s.stalled != nil && !step.whileStalled {
			continue
		}
		res, err := step.run(ctx, s)
		result = lowestRequeue(result, res)
		if stalled := asStall(err); stalled != nil {
			if s.stalled == nil {
				s.stalled = stalled // the first cause is the one to fix first
			}
			continue
		}
		if err != nil {
			// Report what is live even when the pass failed: a status must never keep claiming
			// Compliant=True while a change it could not revert is in place.
			r.evaluate(ctx, s)
			return ctrl.Result{}, err
		}
	}
	return result, nil
}

// step is one sub-reconciler. whileStalled says whether it still runs once an earlier step
// stalled the pass: nothing is applied to a platform that cannot work, but its inputs,
// placement and compliance are still read and reported.
type step struct {
	run          func(context.Context, *scope) (ctrl.Result, error)
	whileStalled bool
}

// steps are the sub-reconcilers of one pass, in order.
func (r *MeetingPlatformReconciler) steps() []step {
	return []step{
		{r.reconcileInputs, true},
		{r.reconcileClaims, true},
		{r.reconcileCredentials, true},
		{r.reconcileDesired, true},
		{r.reconcileChildren, false},
		{r.reconcilePlacement, true},
		{r.reconcileCompliance, true},
	}
}

// ReconcileTimeout bounds one pass and with it every request the pass makes: a hung API server
// or webhook cannot hold a worker for ever. A pass of one platform makes about 25 requests; under
// the load of 200 platforms created at once it took under 10 s (docs/benchmarks.md). No
// rest.Config timeout is set as well: it would also cut the informers' long-running watches.
const ReconcileTimeout = time.Minute

// statusWriteTimeout bounds the status write at the end of a pass, which runs on a context of
// its own so that a pass out of time still reports.
const statusWriteTimeout = 10 * time.Second

// TrustStore is what TLS-2 verifies certificate chains against, as a browser would: the
// system's roots, plus the CAs of the PEM file bundle (an organisation's private CA that its
// browsers trust), if one is named.
func TrustStore(bundle string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if bundle == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(bundle)
	if err != nil {
		return nil, fmt.Errorf("reading the trusted CA bundle: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the trusted CA bundle %s holds no PEM certificate", bundle)
	}
	return pool, nil
}

// now reads the clock.
func (r *MeetingPlatformReconciler) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// lowestRequeue merges two results, keeping the earliest requeue.
func lowestRequeue(a, b ctrl.Result) ctrl.Result {
	switch {
	case a.RequeueAfter == 0:
		return b
	case b.RequeueAfter == 0:
		return a
	case b.RequeueAfter < a.RequeueAfter:
		return b
	}
	return a
}

// SetupWithManager registers the watches: every owned kind, so drift is seen at once, Pods and
// Nodes for placement.
func (r *MeetingPlatformReconciler) SetupWithManager(mgr ctrl.Manager) error {
	userInputs, err := r.userInputWatches(mgr)
	if err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.MeetingPlatform{}, domainField, platformDomain); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.MeetingPlatform{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, deferRolloutChanged))).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ConfigMap{}).
		Owns(&corev1.Secret{}).
		Owns(&networkingv1.Ingress{}).
		Owns(&networkingv1.NetworkPolicy{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Watches(&v1alpha1.MeetingPlatform{}, handler.EnqueueRequestsFromMapFunc(r.platformsOfDomain)).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(platformOfLabelledObject)).
		Watches(&appsv1.ReplicaSet{}, handler.EnqueueRequestsFromMapFunc(platformOfLabelledObject)).
		Watches(&discoveryv1.EndpointSlice{}, handler.EnqueueRequestsFromMapFunc(r.platformsInNamespace)).
		Watches(&networkingv1.NetworkPolicy{}, handler.EnqueueRequestsFromMapFunc(r.platformsInNamespace),
			builder.WithPredicates(notOurs)).
		Watches(&networkingv1.Ingress{}, handler.EnqueueRequestsFromMapFunc(r.platformsReachedBy),
			builder.WithPredicates(notOurs)).
		Watches(&networkingv1.IngressClass{}, handler.EnqueueRequestsFromMapFunc(r.everyPlatform)).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.platformsOnNode),
			builder.WithPredicates(nodePlacementChanged{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles, ReconciliationTimeout: ReconcileTimeout}).
		Named("meetingplatform")
	if r.optional, err = newOptionalAPIs(mgr, r); err != nil {
		return err
	}
	for _, src := range append(userInputs, r.optional.servedAtStart()...) {
		b = b.WatchesRawSource(src)
	}
	// A freed rollout slot wakes the platforms first in the queue.
	b = b.WatchesRawSource(source.Channel(r.rollouts().wake, &handler.EnqueueRequestForObject{}))
	if r.WatchHealth != nil {
		// When the cache turns stale or current again, every platform says so.
		b = b.WatchesRawSource(source.Channel(r.WatchHealth.changed, handler.EnqueueRequestsFromMapFunc(r.everyPlatform)))
	}
	c, err := b.Build(r)
	if err != nil {
		return err
	}
	// Kinds installed later are watched on the running controller (optionalAPIs.Served).
	r.optional.controller = c
	return nil
}
