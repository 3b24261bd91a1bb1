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

package render

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// traefikObjects makes the platform's Ingress reference the headers Middleware and adds the
// plain-HTTP Ingress that redirects, and the two Middlewares. Traefik takes a router's TLS
// from the router.tls annotation only, and a TLS router ignores plain requests (traefik
// pkg/config/runtime/runtime_http.go GetRoutersByEntryPoints), so the redirect needs a router
// of its own: the second Ingress, without router.tls and without a TLS entry.
func traefikObjects(mp *v1alpha1.MeetingPlatform, ing *networkingv1.Ingress) []client.Object {
	ing.Annotations[settings.AnnotationTraefikMiddlewares] = settings.TraefikHeadersChain(mp)
	plain := ingress(mp)
	plain.Name = settings.RedirectIngressName(mp)
	plain.Spec.TLS = nil
	plain.Annotations = map[string]string{settings.AnnotationTraefikMiddlewares: settings.TraefikRedirectChain(mp)}
	return []client.Object{plain, redirectMiddleware(mp), headersMiddleware(mp)}
}

// redirectMiddleware sends plain-HTTP requests to https, permanently (301 for GET, 308
// otherwise), on the default port.
func redirectMiddleware(mp *v1alpha1.MeetingPlatform) *unstructured.Unstructured {
	return middleware(mp, settings.RedirectMiddlewareName(mp), map[string]any{
		settings.MiddlewareRedirectScheme: map[string]any{
			settings.MiddlewareScheme:    settings.HTTPSScheme,
			settings.MiddlewarePermanent: true,
		},
	})
}

// headersMiddleware sets the operator's response headers (settings.Headers), as the web pods'
// nginx include and the HTTPRoute's ResponseHeaderModifier do.
func headersMiddleware(mp *v1alpha1.MeetingPlatform) *unstructured.Unstructured {
	set := map[string]any{}
	for _, h := range settings.Headers {
		set[h.Name] = h.Value
	}
	return middleware(mp, settings.HeadersMiddlewareName(mp), map[string]any{
		settings.MiddlewareHeaders: map[string]any{settings.MiddlewareResponseHeaders: set},
	})
}

// middleware is a Traefik Middleware of the platform. Unstructured: no Traefik Go dependency.
func middleware(mp *v1alpha1.MeetingPlatform, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetAPIVersion(settings.TraefikGroup + "/" + settings.TraefikVersion)
	u.SetKind(settings.MiddlewareKind)
	u.SetName(name)
	u.SetNamespace(mp.Namespace)
	u.SetLabels(settings.Labels(mp, string(settings.Web)))
	return u
}
