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

package settings

import (
	"strings"
	"unicode"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// This file is how an Ingress that Traefik serves gets its redirect and its headers: two
// Traefik Middlewares (traefik.io/v1alpha1), referenced from the Ingresses by annotation, and a
// second Ingress for the plain-HTTP router whose only job is the redirect. Checked against
// Traefik v3.7.13 (github.com/traefik/traefik/v3, the module hack/traefik-crds.sh downloads).

// Traefik's Middleware kind, an optional kind: rendered only where the cluster serves it.
// MiddlewareCRD names its CustomResourceDefinition in messages.
const (
	TraefikGroup   = "traefik.io"
	TraefikVersion = "v1alpha1"
	MiddlewareKind = "Middleware"
	MiddlewareCRD  = "middlewares.traefik.io"
)

// AnnotationTraefikMiddlewares lists, comma-separated, the middlewares of the Ingress's
// router, in the order they run (traefik pkg/provider/kubernetes/ingress annotations.go:
// RouterIng.Middlewares, copied to the router unchanged by loadRouter). A router that names a
// middleware Traefik does not know is not built at all (pkg/server/middleware/middlewares.go:
// "middleware %q does not exist"; pkg/server/router/router.go skips the router on that error).
const AnnotationTraefikMiddlewares = "traefik.ingress.kubernetes.io/router.middlewares"

// traefikCRDProvider is the provider suffix of a reference to a Middleware object (traefik
// pkg/provider/kubernetes/crd/kubernetes.go: ProviderName).
const traefikCRDProvider = "@kubernetescrd"

// RedirectIngressName is the Ingress of Traefik's plain-HTTP router, which only redirects (named
// as the redirect HTTPRoute: a platform has one or the other); RedirectMiddlewareName its
// redirect to https and HeadersMiddlewareName the response headers both routers add.
func RedirectIngressName(mp *v1alpha1.MeetingPlatform) string    { return RedirectRouteName(mp) }
func RedirectMiddlewareName(mp *v1alpha1.MeetingPlatform) string { return Name(mp, "redirect-https") }
func HeadersMiddlewareName(mp *v1alpha1.MeetingPlatform) string  { return Name(mp, "headers") }

// TraefikName is the name Traefik gives the Middleware namespace/name under its default
// ("legacy") naming: namespace and name joined by "-", every run of characters that are not
// letters or digits replaced by one "-" (traefik pkg/provider/kubernetes/crd/name_builder.go
// makeID, makeFlattenedKey; pkg/provider/configuration.go Normalize). Two Middlewares can so
// share one name (video/meet-headers and video-meet/headers), and Traefik keeps only one.
func TraefikName(namespace, name string) string {
	parts := strings.FieldsFunc(namespace+"-"+name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	return strings.Join(parts, "-")
}

// MiddlewareReference is how an Ingress annotation names the Middleware namespace/name, e.g.
// "video-meet-headers@kubernetescrd" (doc.traefik.io reference/routing-configuration/
// kubernetes/ingress: router.middlewares, "auth@file,default-prefix@kubernetescrd"). Under
// Traefik's opt-in safeNaming (providers.kubernetesCRD.safeNaming: true, since v3.7.11) the
// name is "namespace_name" instead and this reference does not resolve: Traefik then builds
// neither router, and the platform is not served at all rather than served over plain HTTP.
func MiddlewareReference(namespace, name string) string {
	return TraefikName(namespace, name) + traefikCRDProvider
}

// TraefikHeadersChain is the router.middlewares of the TLS router: the response headers.
// TraefikRedirectChain is that of the plain-HTTP router: the redirect first, so a plain request
// never reaches the web pods, then the headers, for an entry point whose own TLS turns the
// router into a TLS router too (traefik pkg/server/aggregator.go applyModel), where the
// redirect lets the request through (its URL is already https).
func TraefikHeadersChain(mp *v1alpha1.MeetingPlatform) string {
	return MiddlewareReference(mp.Namespace, HeadersMiddlewareName(mp))
}

func TraefikRedirectChain(mp *v1alpha1.MeetingPlatform) string {
	return MiddlewareReference(mp.Namespace, RedirectMiddlewareName(mp)) + "," + TraefikHeadersChain(mp)
}

// ParseMiddlewares splits a router.middlewares annotation into its references.
func ParseMiddlewares(annotation string) []string {
	var out []string
	for _, ref := range strings.Split(annotation, ",") {
		if ref = strings.TrimSpace(ref); ref != "" {
			out = append(out, ref)
		}
	}
	return out
}

// Fields of the Middleware spec the operator writes (the CRD's schema, docs/content/reference/
// dynamic-configuration/traefik.io_middlewares.yaml): redirectScheme {scheme, permanent} ("for
// HTTP GET requests a 301 is returned, otherwise a 308"), and headers.customResponseHeaders, a
// map of header name to value that Traefik sets on every response.
const (
	MiddlewareRedirectScheme  = "redirectScheme"
	MiddlewareScheme          = "scheme"
	MiddlewarePermanent       = "permanent"
	MiddlewarePort            = "port"
	MiddlewareHeaders         = "headers"
	MiddlewareResponseHeaders = "customResponseHeaders"
)
