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
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
)

// optionalKind is a kind of another project (cert-manager, the Gateway API, later OpenReports)
// that the operator uses only where the cluster serves it. cert-manager's objects are
// unstructured (no Go dependency); the Gateway API's are the typed ones of its module.
type optionalKind struct {
	gvk schema.GroupVersionKind
	// object returns an empty object of the kind, for the watch and the cache.
	object func() client.Object
	// events maps an event of the kind to the platforms it concerns.
	events func(*MeetingPlatformReconciler, ctrl.Manager) handler.EventHandler
	// anyones says the kind is watched whoever made its objects (another tenant's HTTPRoute,
	// the cluster team's Gateway), in the cache of foreign objects; otherwise only the
	// platforms' own, labelled objects are, in the manager's cache.
	anyones bool
	// recheck bounds how often the kind is looked up again while the cluster does not serve
	// it: each look-up is one discovery request.
	recheck time.Duration
}

// optionalKinds are looked up at start and, while a platform waits for one, again at run time
// (optionalAPIs.Served): installing the project later needs no restart of the operator. Adding
// a kind is one entry here plus what uses it.
var optionalKinds = []optionalKind{
	{gvk: certificateGVK, object: func() client.Object { return newCertificate() }, events: controlledByPlatform, recheck: optionalRecheck},
	// Every pass of every platform asks for the Report kind, converged ones included: looked
	// up again only every few minutes, a cluster without OpenReports costs one discovery
	// request per reportRecheck, not one per pass.
	{gvk: reportGVK, object: func() client.Object { return newOptional(reportGVK) }, events: controlledByPlatform, recheck: reportRecheck},
	{gvk: httpRouteGVK, object: func() client.Object { return &gatewayv1.HTTPRoute{} }, events: platformsOfRoute, anyones: true, recheck: optionalRecheck},
	{gvk: gatewayGVK, object: func() client.Object { return &gatewayv1.Gateway{} }, events: platformsOnGateways, anyones: true, recheck: optionalRecheck},
	{gvk: gatewayClassGVK, object: func() client.Object { return &gatewayv1.GatewayClass{} }, events: platformsOnGateways, anyones: true, recheck: optionalRecheck},
	// Anyone's: a Middleware of another namespace may take a platform's name in Traefik.
	{gvk: middlewareGVK, object: func() client.Object { return newOptional(middlewareGVK) }, events: platformsOfMiddleware, anyones: true, recheck: traefikRecheck},
	{gvk: referenceGrantGVK, object: func() client.Object { return &gatewayv1.ReferenceGrant{} }, events: platformsOnGateways, anyones: true, recheck: optionalRecheck},
}

// controlledByPlatform maps a child to the platform that controls it, as Owns does.
func controlledByPlatform(_ *MeetingPlatformReconciler, mgr ctrl.Manager) handler.EventHandler {
	return handler.EnqueueRequestForOwner(mgr.GetScheme(), mgr.GetRESTMapper(), &v1alpha1.MeetingPlatform{}, handler.OnlyControllerOwner())
}

// optionalRecheck bounds how often a kind that a stalled platform waits for is looked up again:
// each look-up is one discovery request, and every stalled platform of a fleet asks.
const optionalRecheck = 10 * time.Second

// reportRecheck is how long OpenReports installed after the operator started may go unused:
// no platform waits for it, so the look-up is rarer.
const reportRecheck = 5 * time.Minute

// watcher is the part of controller.Controller that starts a watch; after the controller
// started, Watch starts the source at once (controller-runtime v0.24,
// pkg/internal/controller/controller.go: Watch).
type watcher interface {
	Watch(source.Source) error
}

// optionalAPIs knows which optional kinds the cluster serves and watches each once it does.
type optionalAPIs struct {
	mgr        ctrl.Manager
	reconciler *MeetingPlatformReconciler
	controller watcher
	now        func() time.Time
	// anyones is the cache of the kinds watched whoever made their objects (optionalKind.
	// anyones): the manager's cache holds only labelled objects of kinds it was not told
	// about at start, and it cannot be told about a kind the cluster may not serve, because
	// its options resolve every kind they name when it is created (controller-runtime v0.24,
	// pkg/cache/cache.go defaultOpts: IsObjectNamespaced). Its informers start on first use.
	anyones cache.Cache

	mu       sync.Mutex
	watched  map[schema.GroupVersionKind]bool
	lookedAt map[schema.GroupVersionKind]time.Time
}

func newOptionalAPIs(mgr ctrl.Manager, r *MeetingPlatformReconciler) (*optionalAPIs, error) {
	anyones, err := cache.New(mgr.GetConfig(), r.WatchHealth.Guard(cache.Options{
		HTTPClient:       mgr.GetHTTPClient(),
		Scheme:           mgr.GetScheme(),
		Mapper:           mgr.GetRESTMapper(),
		DefaultTransform: apply.TrimManagedFields,
		// The namespaces the operator reconciles (--watch-namespaces), as in its other caches:
		// a namespaced installation may not list these kinds cluster-wide.
		DefaultNamespaces: namespaceConfigs(r.WatchNamespaces),
	}))
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(anyones); err != nil {
		return nil, err
	}
	return &optionalAPIs{mgr: mgr, reconciler: r, now: time.Now, anyones: anyones,
		watched: map[schema.GroupVersionKind]bool{}, lookedAt: map[schema.GroupVersionKind]time.Time{}}, nil
}

// servedAtStart returns the watches of the optional kinds the cluster serves now, to be
// registered with the controller before it starts, and records them as watched. A kind whose
// lookup fails counts as absent: the first pass that needs it looks again.
func (o *optionalAPIs) servedAtStart() []source.Source {
	var sources []source.Source
	for _, kind := range optionalKinds {
		served, err := o.lookUp(kind.gvk)
		if err != nil {
			o.mgr.GetLogger().Error(err, "an optional kind is looked up again when a platform needs it", "kind", kind.gvk.String())
		}
		if served {
			sources = append(sources, o.source(kind))
			o.watched[kind.gvk] = true
		}
	}
	return sources
}

// Served says whether the cluster serves the kind, and makes sure it is watched. A kind that
// was absent is looked up again, at most every recheck of its entry; once the cluster serves it,
// its watch starts on the running controller and the platforms that wait for it go on. A nil
// receiver (a reconciler built by hand, without a manager) serves nothing.
func (o *optionalAPIs) Served(ctx context.Context, gvk schema.GroupVersionKind) (bool, error) {
	if o == nil {
		return false, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.watched[gvk] {
		return true, nil
	}
	kind, ok := findOptionalKind(gvk)
	if !ok {
		return false, fmt.Errorf("%s is not an optional kind", gvk)
	}
	if at, ok := o.lookedAt[gvk]; ok && o.now().Sub(at) < kind.recheck {
		return false, nil
	}
	served, err := o.lookUp(gvk)
	if err != nil || !served {
		return false, err
	}
	src := o.source(kind)
	if err := o.controller.Watch(src); err != nil {
		return false, fmt.Errorf("starting the watch of %s: %w", gvk, err)
	}
	o.watched[gvk] = true
	ctrl.LoggerFrom(ctx).Info("an optional kind is served now; watching it", "kind", gvk.String())
	// The pass goes on to create objects of the kind: until the watch has listed them, a
	// change to one (a deletion right after the creation) would go unseen.
	if err := src.WaitForSync(ctx); err != nil {
		return false, fmt.Errorf("waiting for the watch of %s: %w", gvk, err)
	}
	return true, nil
}

// lookUp asks the manager's RESTMapper whether the cluster serves the kind. No cache needs to
// be reset: controller-runtime's DynamicRESTMapper (v0.24, pkg/client/apiutil/restmapper.go,
// addKnownGroupAndReload) fetches /apis/<group>/<version> again on every lookup that finds no
// match, so an API installed since the last lookup is found with one request.
// Only an answer counts as a lookup: after an error the next pass asks again at once, rather
// than report the kind missing for optionalRecheck.
func (o *optionalAPIs) lookUp(gvk schema.GroupVersionKind) (bool, error) {
	_, err := o.mgr.GetRESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	switch {
	case err == nil:
		o.lookedAt[gvk] = o.now()
		return true, nil
	case meta.IsNoMatchError(err):
		o.lookedAt[gvk] = o.now()
		return false, nil
	}
	return false, fmt.Errorf("looking up whether the cluster serves %s: %w", gvk, err)
}

// source is the watch of an optional kind, in the cache that holds it.
func (o *optionalAPIs) source(kind optionalKind) source.SyncingSource {
	return source.Kind(o.cacheOf(kind), kind.object(), kind.events(o.reconciler, o.mgr))
}

func (o *optionalAPIs) cacheOf(kind optionalKind) cache.Cache {
	if kind.anyones {
		return o.anyones
	}
	return o.mgr.GetCache()
}

// Watching says whether the kind is watched already, without looking it up: for watch
// handlers, which must not wait on discovery.
func (o *optionalAPIs) Watching(gvk schema.GroupVersionKind) bool {
	if o == nil {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.watched[gvk]
}

// Reader reads the objects of an optional kind, from the cache that watches it; call it only
// once Served said yes.
func (o *optionalAPIs) Reader(gvk schema.GroupVersionKind) client.Reader {
	kind, _ := findOptionalKind(gvk)
	return o.cacheOf(kind)
}

func findOptionalKind(gvk schema.GroupVersionKind) (optionalKind, bool) {
	for _, k := range optionalKinds {
		if k.gvk == gvk {
			return k, true
		}
	}
	return optionalKind{}, false
}

func newOptional(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}
