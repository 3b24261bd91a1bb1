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

package evaluate

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// TLS-1 on Traefik: the TLS router (router.tls) adds the operator's headers, a plain-HTTP
// router redirects first, and the Middlewares they name are the operator's with the rendered
// redirect and headers. What Traefik really built from them (its routers, its naming scheme)
// is in Traefik's memory, not in the API: a reference it cannot resolve takes the router down,
// so a wrong guess there leaves the platform unreachable, never served over plain HTTP.

// onTraefik says whether Traefik serves the Ingress and the cluster serves its Middleware
// kind, so that its redirect is rendered and verified through Middlewares.
func (s *Snapshot) onTraefik(ing *networkingv1.Ingress) bool {
	_, controller := s.ingressClassOf(ing)
	return controller == settings.TraefikController && s.MiddlewaresServed
}

// redirectsOnTraefik says whether the Ingress is a plain-HTTP router of Traefik whose first
// middleware is the operator's redirect: it serves no page, so it needs no certificate.
func (s *Snapshot) redirectsOnTraefik(ing *networkingv1.Ingress) bool {
	chain := settings.ParseMiddlewares(ing.Annotations[settings.AnnotationTraefikMiddlewares])
	return s.onTraefik(ing) && ing.Annotations[settings.AnnotationTraefikRouterTLS] != "true" &&
		len(chain) > 0 && chain[0] == s.redirectReference()
}

func (s *Snapshot) redirectReference() string {
	return settings.MiddlewareReference(s.Platform.Namespace, settings.RedirectMiddlewareName(s.Platform))
}

func (s *Snapshot) headersReference() string {
	return settings.MiddlewareReference(s.Platform.Namespace, settings.HeadersMiddlewareName(s.Platform))
}

// traefikFindings judges one Ingress that Traefik serves.
func (s *Snapshot) traefikFindings(ing *networkingv1.Ingress) verdict {
	var v verdict
	tlsOnly := ing.Annotations[settings.AnnotationTraefikRouterTLS] == "true"
	switch {
	case !s.MiddlewaresServed && !tlsOnly:
		v.failed.add("Ingress %s: Traefik serves it on plain HTTP too (annotation %s is %q, want \"true\")",
			ing.Name, settings.AnnotationTraefikRouterTLS, ing.Annotations[settings.AnnotationTraefikRouterTLS])
	case !s.MiddlewaresServed:
		v.warned.add("Ingress %s: Traefik serves it only over TLS (annotation %s), but the cluster does not serve Traefik's %s kind (CRD %s), so nothing redirects plain HTTP to HTTPS that the operator could verify",
			ing.Name, settings.AnnotationTraefikRouterTLS, settings.MiddlewareKind, settings.MiddlewareCRD)
	case tlsOnly:
		v.failed.addAll(s.chainFindings(ing, s.headersReference()))
	case s.redirectsOnTraefik(ing):
		v.failed.addAll(s.chainFindings(ing, s.redirectReference()))
	default:
		v.failed.add("Ingress %s: Traefik serves it on plain HTTP (annotation %s is %q, and its router's first middleware is not the redirect %s)",
			ing.Name, settings.AnnotationTraefikRouterTLS, ing.Annotations[settings.AnnotationTraefikRouterTLS], s.redirectReference())
	}
	return v
}

// chainFindings checks that the router of ing names the Middleware want, and every Middleware
// of the operator it names.
func (s *Snapshot) chainFindings(ing *networkingv1.Ingress, want string) findings {
	var f findings
	chain := settings.ParseMiddlewares(ing.Annotations[settings.AnnotationTraefikMiddlewares])
	if !slices.Contains(chain, want) {
		f.add("Ingress %s: its Traefik router does not use Middleware %s (annotation %s is %q)",
			ing.Name, want, settings.AnnotationTraefikMiddlewares, ing.Annotations[settings.AnnotationTraefikMiddlewares])
	}
	mp := s.Platform
	checks := map[string]func(*unstructured.Unstructured) findings{
		settings.RedirectMiddlewareName(mp): redirectSpecFindings,
		settings.HeadersMiddlewareName(mp):  headersSpecFindings,
	}
	for _, name := range slices.Sorted(maps.Keys(checks)) {
		if slices.Contains(chain, settings.MiddlewareReference(mp.Namespace, name)) {
			f.addAll(s.middlewareFindings(name, checks[name]))
		}
	}
	return f
}

// middlewareFindings checks that the operator's Middleware name exists with the rendered
// spec, and that no other Middleware has the same name in Traefik.
func (s *Snapshot) middlewareFindings(name string, check func(*unstructured.Unstructured) findings) findings {
	var f findings
	ns := s.Platform.Namespace
	var ours *unstructured.Unstructured
	for i := range s.Middlewares {
		mw := &s.Middlewares[i]
		switch {
		case mw.GetNamespace() == ns && mw.GetName() == name:
			ours = mw
		case settings.TraefikName(mw.GetNamespace(), mw.GetName()) == settings.TraefikName(ns, name):
			f.add("Middleware %s/%s has the same name in Traefik as the operator's %s (%s), so Traefik may use it instead",
				mw.GetNamespace(), mw.GetName(), name, settings.TraefikName(ns, name))
		}
	}
	if ours == nil {
		f.add("Middleware %s does not exist (%s %s/%s)", name, settings.MiddlewareCRD, settings.TraefikGroup, settings.TraefikVersion)
		return f
	}
	f.addAll(otherTypes(ours))
	f.addAll(check(ours))
	return f
}

// otherTypes names what a Middleware configures besides the one type the operator writes:
// Traefik refuses a Middleware of two types, and any other type changes what the router does.
func otherTypes(mw *unstructured.Unstructured) findings {
	var f findings
	spec, _, _ := unstructured.NestedMap(mw.Object, "spec")
	for _, k := range slices.Sorted(maps.Keys(spec)) {
		if k != settings.MiddlewareRedirectScheme && k != settings.MiddlewareHeaders {
			f.add("Middleware %s also configures %s, which the operator does not render", mw.GetName(), k)
		}
	}
	return f
}

// redirectSpecFindings checks the redirect: to https, permanent, on the default port.
func redirectSpecFindings(mw *unstructured.Unstructured) findings {
	var f findings
	rs, found, _ := unstructured.NestedMap(mw.Object, "spec", settings.MiddlewareRedirectScheme)
	if !found {
		f.add("Middleware %s does not redirect (no %s)", mw.GetName(), settings.MiddlewareRedirectScheme)
		return f
	}
	if scheme, _ := rs[settings.MiddlewareScheme].(string); scheme != settings.HTTPSScheme {
		f.add("Middleware %s redirects to scheme %q (want %q)", mw.GetName(), scheme, settings.HTTPSScheme)
	}
	if permanent, _ := rs[settings.MiddlewarePermanent].(bool); !permanent {
		f.add("Middleware %s redirects temporarily (%s is not true), so browsers do not remember it", mw.GetName(), settings.MiddlewarePermanent)
	}
	if port, _ := rs[settings.MiddlewarePort].(string); port != "" && port != strconv.Itoa(int(settings.HTTPSPort)) {
		f.add("Middleware %s redirects to port %s (want the default)", mw.GetName(), port)
	}
	return f
}

// headersSpecFindings checks the response headers: HSTS for at least a year, and the others
// with the operator's values.
func headersSpecFindings(mw *unstructured.Unstructured) findings {
	var f findings
	set, _, _ := unstructured.NestedStringMap(mw.Object, "spec", settings.MiddlewareHeaders, settings.MiddlewareResponseHeaders)
	for _, h := range settings.Headers {
		got, ok := lookupHeader(set, h.Name)
		switch {
		case !ok:
			f.add("Middleware %s does not set %s", mw.GetName(), h.Name)
		case h.Name == settings.HSTSHeader:
			if m := maxAge.FindStringSubmatch(got); m == nil || !atLeast(m[1], settings.MinHSTSMaxAge) {
				f.add("Middleware %s sets %s %q (want max-age >= %d)", mw.GetName(), h.Name, got, settings.MinHSTSMaxAge)
			}
		case got != h.Value:
			f.add("Middleware %s sets %s %q (want %q)", mw.GetName(), h.Name, got, h.Value)
		}
	}
	return f
}

// lookupHeader finds a header by name, as HTTP does: case-insensitively.
func lookupHeader(set map[string]string, name string) (string, bool) {
	for k, v := range set {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func atLeast(decimal string, least int64) bool {
	n, err := strconv.ParseInt(decimal, 10, 64)
	return err == nil && n >= least
}
