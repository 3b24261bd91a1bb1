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

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// platformObjects selects what the cache holds besides MeetingPlatforms and Nodes: objects
// labelled as part of a Jitsi platform. That includes objects the operator did not create, such
// as a recorder someone labelled into the platform, which control REC-1 must see.
var platformObjects = func() labels.Selector {
	name, _ := labels.NewRequirement(settings.LabelName, selection.Equals, []string{settings.NameValue})
	instance, _ := labels.NewRequirement(settings.LabelInstance, selection.Exists, nil)
	return labels.NewSelector().Add(*name, *instance)
}()

// platformOfLabelledObject maps a labelled object (a Pod) to its platform.
func platformOfLabelledObject(_ context.Context, o client.Object) []reconcile.Request {
	name := o.GetLabels()[settings.LabelInstance]
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
}

// notOurs passes objects that are not labelled as part of a platform; the operator's own are
// already watched through their owner.
var notOurs = predicate.NewPredicateFuncs(func(o client.Object) bool { return !platformObjects.Matches(labels.Set(o.GetLabels())) })

// platformsInNamespace maps an object anyone added (a NetworkPolicy, an Ingress) to every
// platform in its namespace: it may widen what reaches or leaves any of their pods.
func (r *MeetingPlatformReconciler) platformsInNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	return r.platformRequests(ctx, client.InNamespace(o.GetNamespace()))
}

// platformsReachedBy maps an Ingress anyone added to every platform in its namespace (it may
// send traffic to their Services) and to every platform, in any namespace, whose domain it
// routes.
func (r *MeetingPlatformReconciler) platformsReachedBy(ctx context.Context, o client.Object) []reconcile.Request {
	ing, ok := o.(*networkingv1.Ingress)
	if !ok {
		return nil
	}
	return r.platformsWhere(ctx, func(mp *v1alpha1.MeetingPlatform) bool {
		return mp.Namespace == ing.Namespace || evaluate.RoutesHost(ing, mp.Spec.Domain)
	})
}

// platformsOnNode maps a Node to every platform: a node that changes region or appears may fix
// or break placement of any platform, including ones whose pods wait unscheduled.
func (r *MeetingPlatformReconciler) platformsOnNode(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.platformRequests(ctx)
}

// everyPlatform maps an event to every platform: the operator's cache turned stale or current.
func (r *MeetingPlatformReconciler) everyPlatform(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.platformRequests(ctx)
}

// nodePlacementChanged passes Node events that matter for placement (labels, providerID,
// readiness, creation, deletion) or for the bridges' advertised addresses (ExternalIPs), and
// drops the heartbeats kubelets send every few seconds.
type nodePlacementChanged struct{ predicate.Funcs }

func (nodePlacementChanged) Update(e event.UpdateEvent) bool {
	oldNode, okOld := e.ObjectOld.(*corev1.Node)
	newNode, okNew := e.ObjectNew.(*corev1.Node)
	if !okOld || !okNew {
		return true
	}
	return !equality.Semantic.DeepEqual(oldNode.Labels, newNode.Labels) ||
		oldNode.Spec.ProviderID != newNode.Spec.ProviderID ||
		oldNode.Spec.Unschedulable != newNode.Spec.Unschedulable ||
		nodeReady(oldNode) != nodeReady(newNode) ||
		!slices.Equal(settings.ExternalIPs(oldNode), settings.ExternalIPs(newNode))
}

func (nodePlacementChanged) Create(event.CreateEvent) bool   { return true }
func (nodePlacementChanged) Delete(event.DeleteEvent) bool   { return true }
func (nodePlacementChanged) Generic(event.GenericEvent) bool { return false }

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// certificateGVK is cert-manager's Certificate, an optional kind (optionalKinds).
var certificateGVK = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}

func newCertificate() *unstructured.Unstructured { return newOptional(certificateGVK) }

// reportGVK is OpenReports' Report, an optional kind (optionalKinds): the platform's policy
// report.
var reportGVK = schema.GroupVersionKind{Group: settings.PolicyReportGroup, Version: settings.PolicyReportVersion, Kind: settings.PolicyReportKind}

// referencedInputsField indexes cached MeetingPlatforms by the user objects they read, as
// "<Kind>/<name>": the Secrets of spec.tls and spec.access, and the accounts claim.
const referencedInputsField = "meetwarden.io/referenced-inputs"

// inputKinds are the kinds of user objects a platform reads.
var inputKinds = []string{"Secret", "PersistentVolumeClaim"}

// userInputWatches watch the user's objects a platform reads (its TLS, JWT and LDAP Secrets,
// its accounts claim): a platform waiting for one is deployed as soon as it is created, and a
// renewed certificate is judged at once. They carry no label of ours, so the main cache cannot
// hold them; this second cache holds only the name and version of each such object in the
// cluster, never a Secret's data (the watch itself is metadata-only), and the objects are read
// past any cache when a platform needs them.
func (r *MeetingPlatformReconciler) userInputWatches(mgr ctrl.Manager) ([]source.Source, error) {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.MeetingPlatform{}, referencedInputsField,
		func(o client.Object) []string { return referencedInputs(o.(*v1alpha1.MeetingPlatform)) }); err != nil {
		return nil, err
	}
	names, err := cache.New(mgr.GetConfig(), r.WatchHealth.Guard(cache.Options{
		HTTPClient:       mgr.GetHTTPClient(),
		Scheme:           mgr.GetScheme(),
		Mapper:           mgr.GetRESTMapper(),
		DefaultTransform: keepIdentity,
		// The namespaces the operator reconciles, as in the manager's cache (CacheOptions).
		DefaultNamespaces: namespaceConfigs(r.WatchNamespaces),
	}))
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(names); err != nil {
		return nil, err
	}
	r.inputNames = names
	var sources []source.Source
	for _, kind := range inputKinds {
		obj := &metav1.PartialObjectMetadata{}
		obj.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(kind))
		sources = append(sources, source.Kind(names, client.Object(obj), handler.EnqueueRequestsFromMapFunc(r.platformsReading(kind))))
	}
	return sources, nil
}

// namespaceConfigs restricts a cache to the namespaces; none: the whole cluster. Cluster-scoped
// kinds (Nodes) are not affected: controller-runtime's multi-namespace cache keeps one
// cluster-wide informer for them (pkg/cache/multi_namespace_cache.go, v0.24).
func namespaceConfigs(namespaces []string) map[string]cache.Config {
	if len(namespaces) == 0 {
		return nil
	}
	configs := make(map[string]cache.Config, len(namespaces))
	for _, ns := range namespaces {
		configs[ns] = cache.Config{}
	}
	return configs
}

// keepIdentity strips an object's metadata to what the watch needs: with 10,000 Secrets in a
// cluster, labels, annotations and managedFields would otherwise dominate the operator's memory.
func keepIdentity(obj any) (any, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return obj, nil
	}
	return &metav1.PartialObjectMetadata{TypeMeta: m.TypeMeta, ObjectMeta: metav1.ObjectMeta{
		Namespace: m.Namespace, Name: m.Name, UID: m.UID, ResourceVersion: m.ResourceVersion}}, nil
}

// platformsReading maps a user object of the kind to the platforms in its namespace that read
// it, and a Secret also to the platforms whose Gateways serve it as a listener's certificate.
func (r *MeetingPlatformReconciler) platformsReading(kind string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		reqs := r.platformRequests(ctx, client.InNamespace(o.GetNamespace()),
			client.MatchingFields{referencedInputsField: kind + "/" + o.GetName()})
		if kind == "Secret" {
			reqs = append(reqs, r.platformsServedWith(ctx, o.GetNamespace()+"/"+o.GetName())...)
		}
		return reqs
	}
}

// platformRequests lists the cached platforms that match opts, as reconcile requests.
func (r *MeetingPlatformReconciler) platformRequests(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	var list v1alpha1.MeetingPlatformList
	if err := r.List(ctx, &list, opts...); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing platforms for a watch event")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

// platformsWhere lists the cached platforms for which match holds, as reconcile requests.
func (r *MeetingPlatformReconciler) platformsWhere(ctx context.Context, match func(*v1alpha1.MeetingPlatform) bool) []reconcile.Request {
	var list v1alpha1.MeetingPlatformList
	if err := r.List(ctx, &list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing platforms for a watch event")
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		if mp := settings.Defaulted(&list.Items[i]); match(mp) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(mp)})
		}
	}
	return reqs
}
