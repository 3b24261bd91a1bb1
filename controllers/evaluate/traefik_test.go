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
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// editMiddleware changes the live Middleware of that name.
func editMiddleware(name string, edit func(mw *unstructured.Unstructured)) func(*Snapshot) {
	return func(s *Snapshot) {
		for i := range s.Middlewares {
			if s.Middlewares[i].GetName() == name {
				edit(&s.Middlewares[i])
			}
		}
	}
}

// editIngressNamed changes the live Ingress of that name.
func editIngressNamed(name string, edit func(ing *networkingv1.Ingress)) func(*Snapshot) {
	return func(s *Snapshot) {
		for i := range s.Ingresses {
			if s.Ingresses[i].Name == name {
				edit(&s.Ingresses[i])
			}
		}
	}
}

func withoutIngress(s *Snapshot, name string) {
	s.Ingresses = slices.DeleteFunc(s.Ingresses, func(ing networkingv1.Ingress) bool { return ing.Name == name })
}

// onTraefikCases are what TLS-1 finds wrong with the redirect and headers of a platform that
// Traefik serves through Middlewares.
var onTraefikCases = []tamperCase{
	{name: "a redirect Middleware that no longer redirects fails TLS-1", control: "TLS-1",
		mentions: []string{"Middleware meet-redirect-https does not redirect"},
		mutate: editMiddleware("meet-redirect-https", func(mw *unstructured.Unstructured) {
			unstructured.RemoveNestedField(mw.Object, "spec", settings.MiddlewareRedirectScheme)
		})},
	{name: "a temporary redirect fails TLS-1", control: "TLS-1",
		mentions: []string{"Middleware meet-redirect-https redirects temporarily"},
		mutate: editMiddleware("meet-redirect-https", func(mw *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(mw.Object, false, "spec", settings.MiddlewareRedirectScheme, settings.MiddlewarePermanent)
		})},
	{name: "a redirect to plain http fails TLS-1", control: "TLS-1",
		mentions: []string{`redirects to scheme "http"`},
		mutate: editMiddleware("meet-redirect-https", func(mw *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(mw.Object, "http", "spec", settings.MiddlewareRedirectScheme, settings.MiddlewareScheme)
		})},
	{name: "a redirect Middleware that also configures another type fails TLS-1", control: "TLS-1",
		mentions: []string{"Middleware meet-redirect-https also configures stripPrefix"},
		mutate: editMiddleware("meet-redirect-https", func(mw *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(mw.Object, map[string]any{"prefixes": []any{"/"}}, "spec", "stripPrefix")
		})},
	{name: "a short HSTS max-age in the headers Middleware fails TLS-1", control: "TLS-1",
		mentions: []string{"Middleware meet-headers sets Strict-Transport-Security", "max-age=60"},
		mutate: editMiddleware("meet-headers", func(mw *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(mw.Object, "max-age=60", "spec", settings.MiddlewareHeaders, settings.MiddlewareResponseHeaders, settings.HSTSHeader)
		})},
	{name: "a deleted redirect Middleware fails TLS-1 naming its CRD", control: "TLS-1",
		mentions: []string{"Middleware meet-redirect-https does not exist", settings.MiddlewareCRD},
		mutate: func(s *Snapshot) {
			s.Middlewares = slices.DeleteFunc(s.Middlewares, func(mw unstructured.Unstructured) bool { return mw.GetName() == "meet-redirect-https" })
		}},
	{name: "another namespace's Middleware with the same name in Traefik fails TLS-1 naming it", control: "TLS-1",
		mentions: []string{"Middleware video-meet/redirect-https", "video-meet-redirect-https"},
		mutate: func(s *Snapshot) {
			impostor := unstructured.Unstructured{}
			impostor.SetKind(settings.MiddlewareKind)
			impostor.SetNamespace("video-meet")
			impostor.SetName("redirect-https")
			s.Middlewares = append(s.Middlewares, impostor)
		}},
	{name: "the plain-HTTP Ingress without its redirect annotation fails TLS-1: Traefik serves the pages on plain HTTP", control: "TLS-1",
		mentions: []string{"Ingress meet-http-redirect: Traefik serves it on plain HTTP", "video-meet-redirect-https@kubernetescrd"},
		mutate: editIngressNamed("meet-http-redirect", func(ing *networkingv1.Ingress) {
			delete(ing.Annotations, settings.AnnotationTraefikMiddlewares)
		})},
	{name: "no plain-HTTP Ingress fails TLS-1: nothing redirects", control: "TLS-1",
		mentions: []string{"no Ingress redirects plain HTTP for meet.example.eu", "meet-http-redirect"},
		mutate:   func(s *Snapshot) { withoutIngress(s, "meet-http-redirect") }},
	{name: "a TLS router without the headers Middleware fails TLS-1", control: "TLS-1",
		mentions: []string{"Ingress meet: its Traefik router does not use Middleware video-meet-headers@kubernetescrd"},
		mutate: editIngressNamed("meet", func(ing *networkingv1.Ingress) {
			delete(ing.Annotations, settings.AnnotationTraefikMiddlewares)
		})},
	{name: "without Traefik's Middleware kind TLS-1 warns naming the CRD, never passes", control: "TLS-1", want: v1alpha1.ResultWarn,
		mentions: []string{"Ingress meet: Traefik serves it only over TLS", "CRD " + settings.MiddlewareCRD},
		mutate: func(s *Snapshot) {
			s.MiddlewaresServed, s.Middlewares = false, nil
			withoutIngress(s, "meet-http-redirect")
		}},
}

func TestTraefikTamperingIsCaught(t *testing.T) {
	for _, tc := range onTraefikCases {
		t.Run(tc.name, func(t *testing.T) { assertCaught(t, passing(t, "traefik", traefikPlatform), tc) })
	}
}

func TestTraefikNameFollowsTraefiksLegacyNaming(t *testing.T) {
	for _, tc := range []struct{ namespace, name, want string }{
		{"video", "meet-headers", "video-meet-headers"},
		{"video-meet", "headers", "video-meet-headers"}, // the collision safeNaming fixes
		{"video", "meet.v2-headers", "video-meet-v2-headers"},
		{"video", "meet..x", "video-meet-x"},
	} {
		if got := settings.TraefikName(tc.namespace, tc.name); got != tc.want {
			t.Errorf("TraefikName(%q, %q) = %q, want %q", tc.namespace, tc.name, got, tc.want)
		}
	}
}
