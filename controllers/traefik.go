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

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// +kubebuilder:rbac:groups=traefik.io,resources=middlewares,verbs=get;list;watch;create;update;patch;delete

// middlewareGVK is Traefik's Middleware, an optional kind (optionalKinds): a platform whose
// Ingress Traefik serves gets its redirect and headers as Middlewares where it is served.
var middlewareGVK = schema.GroupVersionKind{Group: settings.TraefikGroup, Version: settings.TraefikVersion, Kind: settings.MiddlewareKind}

// traefikRecheck is how often a platform on Traefik, in a cluster without the Middleware kind,
// is reconciled again to look for it: nothing watches for a CRD being installed, and until
// then TLS-1 warns. It is also how often the kind is looked up (optionalKind.recheck).
const traefikRecheck = optionalRecheck

// servedByTraefik says whether the IngressClass of the platform's Ingress (spec.ingress.
// className, else the cluster's default class) is Traefik's. IngressClasses are cached whole,
// and a change to one reconciles every platform.
func (r *MeetingPlatformReconciler) servedByTraefik(ctx context.Context, mp *v1alpha1.MeetingPlatform) (bool, error) {
	var classes networkingv1.IngressClassList
	if err := r.List(ctx, &classes); err != nil {
		return false, fmt.Errorf("listing IngressClasses: %w", err)
	}
	class := evaluate.IngressClassNamed(classes.Items, mp.Spec.Ingress.ClassName)
	return class != nil && class.Spec.Controller == settings.TraefikController, nil
}

// readMiddlewares adds to the snapshot, for a platform whose Middlewares are rendered, every
// Middleware of its namespace and every other one whose name in Traefik is one of its own
// (TLS-1 names such a collision). The cache's own copies are only read here, and the few that
// concern the platform copied.
func (r *MeetingPlatformReconciler) readMiddlewares(ctx context.Context, s *scope, snap *liveState) error {
	if !s.middlewaresServed {
		return nil
	}
	all := &unstructured.UnstructuredList{}
	all.SetGroupVersionKind(middlewareGVK.GroupVersion().WithKind(settings.MiddlewareKind + "List"))
	if err := r.optional.Reader(middlewareGVK).List(ctx, all, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("listing Traefik Middlewares: %w", err)
	}
	snap.MiddlewaresServed = true
	for i := range all.Items {
		if mw := &all.Items[i]; middlewareConcerns(mw, s.mp) {
			snap.Middlewares = append(snap.Middlewares, *mw.DeepCopy())
		}
	}
	return nil
}

// middlewareConcerns says whether a Middleware lies in the platform's namespace or has, in
// Traefik, the name of one of the platform's Middlewares.
func middlewareConcerns(mw client.Object, mp *v1alpha1.MeetingPlatform) bool {
	if mw.GetNamespace() == mp.Namespace {
		return true
	}
	name := settings.TraefikName(mw.GetNamespace(), mw.GetName())
	return name == settings.TraefikName(mp.Namespace, settings.RedirectMiddlewareName(mp)) ||
		name == settings.TraefikName(mp.Namespace, settings.HeadersMiddlewareName(mp))
}

// platformsOfMiddleware maps a Middleware to the platforms it concerns (middlewareConcerns):
// the platform's own (a drift to revert), another in its namespace, or one that collides.
func platformsOfMiddleware(r *MeetingPlatformReconciler, _ ctrl.Manager) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []reconcile.Request {
		return r.platformsWhere(ctx, func(mp *v1alpha1.MeetingPlatform) bool {
			return !settings.UsesGateway(mp) && middlewareConcerns(o, mp)
		})
	})
}
