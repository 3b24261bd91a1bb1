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
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// The Gateway API kinds the operator uses where the cluster serves them (optionalKinds): it
// manages HTTPRoutes and reads Gateways, ReferenceGrants and GatewayClasses. ReferenceGrant is served as v1
// since v1.5 (the standard CRD of v1.6 serves v1 and v1beta1).
var (
	gatewayAPI        = schema.GroupVersion{Group: gatewayv1.GroupVersion.Group, Version: gatewayv1.GroupVersion.Version}
	httpRouteGVK      = gatewayAPI.WithKind("HTTPRoute")
	gatewayGVK        = gatewayAPI.WithKind("Gateway")
	referenceGrantGVK = gatewayAPI.WithKind("ReferenceGrant")
	gatewayClassGVK   = gatewayAPI.WithKind("GatewayClass")
)

// gatewayAPIServed says whether the cluster serves every Gateway API kind the operator uses,
// and makes sure each is watched.
func (r *MeetingPlatformReconciler) gatewayAPIServed(ctx context.Context) (bool, error) {
	for _, gvk := range []schema.GroupVersionKind{httpRouteGVK, gatewayGVK, referenceGrantGVK, gatewayClassGVK} {
		served, err := r.optional.Served(ctx, gvk)
		if err != nil || !served {
			return false, err
		}
	}
	return true, nil
}

// platformsOfRoute maps an HTTPRoute to the platform that controls it, every platform in its
// namespace (it may send traffic to their Services), every platform whose domain it routes,
// and every platform whose Gateways it attaches to.
func platformsOfRoute(r *MeetingPlatformReconciler, _ ctrl.Manager) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []reconcile.Request {
		route, ok := o.(*gatewayv1.HTTPRoute)
		if !ok {
			return nil
		}
		return r.platformsWhere(ctx, func(mp *v1alpha1.MeetingPlatform) bool {
			ref := metav1.GetControllerOf(route)
			return (ref != nil && ref.UID == mp.UID) || mp.Namespace == route.Namespace ||
				evaluate.RouteConcerns(route, mp.Spec.Domain, settings.GatewayRefs(mp))
		})
	})
}

// platformsOnGateways maps a Gateway or ReferenceGrant to every platform exposed through a
// Gateway: a listener, its certificate or a grant may change what they are judged on.
func platformsOnGateways(r *MeetingPlatformReconciler, _ ctrl.Manager) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, _ client.Object) []reconcile.Request {
		return r.platformsWhere(ctx, settings.UsesGateway)
	})
}

// platformsServedWith lists the platforms one of whose Gateways names the Secret
// "namespace/name" as a listener's certificate: a renewed or replaced certificate is judged at
// once (TLS-2), not at the hourly recheck.
func (r *MeetingPlatformReconciler) platformsServedWith(ctx context.Context, secret string) []reconcile.Request {
	if !r.optional.Watching(gatewayGVK) {
		return nil
	}
	gateways := r.optional.Reader(gatewayGVK)
	return r.platformsWhere(ctx, func(mp *v1alpha1.MeetingPlatform) bool {
		return slices.ContainsFunc(settings.GatewayRefs(mp), func(ref settings.GatewayRef) bool {
			gw := &gatewayv1.Gateway{}
			if err := gateways.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, gw); err != nil {
				return false
			}
			return slices.Contains(evaluate.CertificateKeys(gw), secret)
		})
	})
}

// readGatewayState adds to the snapshot what the Gateway API holds for the platform: the
// HTTPRoutes that concern it (whoever made them), and, for a platform on a Gateway, its
// Gateways, the ReferenceGrants of their certificates' namespaces and the certificates
// themselves. Where the cluster does not serve the Gateway API there are no routes; a
// platform that needs it is stalled before this step (GatewayAPIMissing).
func (r *MeetingPlatformReconciler) readGatewayState(ctx context.Context, snap *liveState) error {
	mp := snap.Platform
	served, err := r.servedYet(ctx, httpRouteGVK)
	if err != nil || !served {
		return err
	}
	var routes gatewayv1.HTTPRouteList
	if err := r.optional.Reader(httpRouteGVK).List(ctx, &routes); err != nil {
		return fmt.Errorf("listing HTTPRoutes: %w", err)
	}
	refs := settings.GatewayRefs(mp)
	for _, route := range routes.Items {
		if route.Namespace == mp.Namespace || evaluate.RouteConcerns(&route, mp.Spec.Domain, refs) {
			snap.HTTPRoutes = append(snap.HTTPRoutes, route)
		}
	}
	if !settings.UsesGateway(mp) {
		return nil
	}
	if served, err := r.gatewayAPIServed(ctx); err != nil || !served {
		return err
	}
	snap.Gateways = map[string]*gatewayv1.Gateway{}
	snap.ListenerSecrets = map[string]*corev1.Secret{}
	snap.Unreadable = map[string]string{}
	for _, ref := range refs {
		if err := r.readGateway(ctx, snap, ref); err != nil {
			return err
		}
	}
	snap.GatewayClasses, err = r.readGatewayClasses(ctx, snap.Gateways)
	return err
}

// gatewayRenderOptions tell the renderer whether the platform's route may carry the
// ResponseHeaderModifier: only where every Gateway's class supports it
// (evaluate.ResponseHeadersSupported), read from the cache as the evaluation reads it.
func (r *MeetingPlatformReconciler) gatewayRenderOptions(ctx context.Context, mp *v1alpha1.MeetingPlatform) ([]render.Option, error) {
	if served, err := r.gatewayAPIServed(ctx); err != nil || !served {
		return nil, err // the platform is stalled: GatewayAPIMissing
	}
	gateways := map[string]*gatewayv1.Gateway{}
	refs := settings.GatewayRefs(mp)
	for _, ref := range refs {
		gw := &gatewayv1.Gateway{}
		err := r.optional.Reader(gatewayGVK).Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, gw)
		switch {
		case apierrors.IsNotFound(err) || apierrors.IsForbidden(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("reading Gateway %s: %w", ref.Key(), err)
		}
		gateways[ref.Key()] = gw
	}
	classes, err := r.readGatewayClasses(ctx, gateways)
	if err != nil {
		return nil, err
	}
	if ok, _ := evaluate.ResponseHeadersSupported(refs, gateways, classes); ok {
		return []render.Option{render.WithGatewayResponseHeaders()}, nil
	}
	return nil, nil
}

// readGatewayClasses reads the GatewayClass of each Gateway, by name; one that does not exist
// or may not be read is left out.
func (r *MeetingPlatformReconciler) readGatewayClasses(ctx context.Context, gateways map[string]*gatewayv1.Gateway) (map[string]*gatewayv1.GatewayClass, error) {
	classes := map[string]*gatewayv1.GatewayClass{}
	for _, gw := range gateways {
		name := string(gw.Spec.GatewayClassName)
		if _, done := classes[name]; done {
			continue
		}
		class := &gatewayv1.GatewayClass{}
		err := r.optional.Reader(gatewayClassGVK).Get(ctx, client.ObjectKey{Name: name}, class)
		switch {
		case apierrors.IsNotFound(err) || apierrors.IsForbidden(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("reading GatewayClass %s: %w", name, err)
		}
		classes[name] = class
	}
	return classes, nil
}

// servedYet says whether the kind is served, without waiting for a kind the cluster lacks: a
// platform on an Ingress reads foreign HTTPRoutes only where there can be any.
func (r *MeetingPlatformReconciler) servedYet(ctx context.Context, gvk schema.GroupVersionKind) (bool, error) {
	if r.optional == nil {
		return false, nil
	}
	return r.optional.Served(ctx, gvk)
}

// readGateway reads one Gateway of the platform with the certificates of its listeners and the
// grants that let it use them.
func (r *MeetingPlatformReconciler) readGateway(ctx context.Context, snap *liveState, ref settings.GatewayRef) error {
	gw := &gatewayv1.Gateway{}
	err := r.optional.Reader(gatewayGVK).Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, gw)
	switch {
	case apierrors.IsNotFound(err):
		return nil // TLS-1 reports it missing
	case apierrors.IsForbidden(err):
		snap.Unreadable["Gateway "+ref.Key()] = "the operator may not read it"
		return nil
	case err != nil:
		return fmt.Errorf("reading Gateway %s: %w", ref.Key(), err)
	}
	snap.Gateways[ref.Key()] = gw
	for _, l := range gw.Spec.Listeners {
		if l.TLS == nil {
			continue
		}
		for _, cert := range l.TLS.CertificateRefs {
			if err := r.readListenerCertificate(ctx, snap, gw, cert); err != nil {
				return err
			}
		}
	}
	return nil
}

// readListenerCertificate reads a listener's certificate Secret as a user's input (readInput:
// from memory while the metadata watch shows it unchanged, else past the cache, since the
// cluster team's Secret carries no label of ours) and, when it lies in another namespace, the
// ReferenceGrants there. The Secret's content stays in the snapshot: TLS-2 reads the
// certificate, nothing writes it anywhere.
func (r *MeetingPlatformReconciler) readListenerCertificate(ctx context.Context, snap *liveState, gw *gatewayv1.Gateway, cert gatewayv1.SecretObjectReference) error {
	key := evaluate.CertificateKey(gw, cert)
	if _, done := snap.ListenerSecrets[key]; done || !evaluate.IsSecretRef(cert) {
		return nil
	}
	ns, name, _ := strings.Cut(key, "/")
	sec, err := r.readInput(ctx, ns, name)
	switch {
	case apierrors.IsForbidden(err):
		snap.Unreadable["Secret "+key] = "the operator may not read it"
	case err != nil:
		return fmt.Errorf("reading the certificate of Gateway %s/%s: %w", gw.Namespace, gw.Name, err)
	default:
		snap.ListenerSecrets[key] = sec // nil: it does not exist
	}
	if ns == gw.Namespace || slices.ContainsFunc(snap.ReferenceGrants, func(g gatewayv1.ReferenceGrant) bool { return g.Namespace == ns }) {
		return nil
	}
	var grants gatewayv1.ReferenceGrantList
	if err := r.optional.Reader(referenceGrantGVK).List(ctx, &grants, client.InNamespace(ns)); err != nil {
		return fmt.Errorf("listing ReferenceGrants of namespace %s: %w", ns, err)
	}
	snap.ReferenceGrants = append(snap.ReferenceGrants, grants.Items...)
	return nil
}
