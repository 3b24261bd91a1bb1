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
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

const fixtureGateway = fixtures.GatewayNamespace + "/" + fixtures.GatewayName

// editGateway changes the fixture Gateway of a snapshot.
func editGateway(edit func(*gatewayv1.Gateway)) func(*Snapshot) {
	return func(s *Snapshot) { edit(s.Gateways[fixtureGateway]) }
}

// editRoute changes the platform's live HTTPRoute of that name.
func editRoute(name string, edit func(*gatewayv1.HTTPRoute)) func(*Snapshot) {
	return func(s *Snapshot) { edit(s.httpRouteNamed(name)) }
}

// setCondition sets one condition of a list.
func setCondition(conditions []metav1.Condition, c metav1.Condition) {
	for i := range conditions {
		if conditions[i].Type == c.Type {
			conditions[i] = c
		}
	}
}

// listenerNamed is a listener of the fixture Gateway.
func listenerNamed(gw *gatewayv1.Gateway, name string) *gatewayv1.Listener {
	return findListener(gw, name)
}

// onGateway are the changes a platform on a Gateway must catch, applied to the passing
// snapshot of gatewayPlatform.
var onGateway = []tamperCase{
	{name: "the route not accepted by the Gateway fails TLS-1 naming the reason", control: "TLS-1",
		mentions: []string{"HTTPRoute meet", fixtureGateway, "NotAllowedByListeners"},
		mutate: editRoute("meet", func(r *gatewayv1.HTTPRoute) {
			setCondition(r.Status.Parents[0].Conditions, metav1.Condition{Type: "Accepted", Status: metav1.ConditionFalse,
				Reason: "NotAllowedByListeners", Message: "no listener admits namespace video", ObservedGeneration: r.Generation})
		})},
	{name: "a route status of an earlier generation warns, never passes", control: "TLS-1", want: v1alpha1.ResultWarn,
		mentions: []string{"HTTPRoute meet", "generation 1, not the current 2"},
		mutate:   editRoute("meet", func(r *gatewayv1.HTTPRoute) { r.Generation = 2 })},
	{name: "a route no Gateway controller reported on warns", control: "TLS-1", want: v1alpha1.ResultWarn,
		mentions: []string{"HTTPRoute meet-http-redirect", "status.parents has no entry"},
		mutate:   editRoute("meet-http-redirect", func(r *gatewayv1.HTTPRoute) { r.Status.Parents = nil })},
	{name: "a plain-HTTP listener that is not redirected fails TLS-1", control: "TLS-1",
		mentions: []string{"listener plain of Gateway " + fixtureGateway, "does not redirect"},
		mutate: editGateway(func(gw *gatewayv1.Gateway) {
			plain := *listenerNamed(gw, fixtures.HTTPListener)
			plain.Name, plain.Port = "plain", 8080
			gw.Spec.Listeners = append(gw.Spec.Listeners, plain)
		})},
	{name: "an HTTPS listener that does not terminate TLS fails TLS-1", control: "TLS-1",
		mentions: []string{"listener https of Gateway " + fixtureGateway, "Terminate"},
		mutate: editGateway(func(gw *gatewayv1.Gateway) {
			listenerNamed(gw, fixtures.HTTPSListener).TLS.Mode = ptr.To(gatewayv1.TLSModePassthrough)
		})},
	{name: "a listener without status warns: nothing says it is programmed", control: "TLS-1", want: v1alpha1.ResultWarn,
		mentions: []string{"listener https", "no status"},
		mutate:   editGateway(func(gw *gatewayv1.Gateway) { gw.Status.Listeners = nil })},
	{name: "a Gateway the operator may not read warns naming it", control: "TLS-1", want: v1alpha1.ResultWarn,
		mentions: []string{"Gateway " + fixtureGateway, "may not read"},
		mutate: func(s *Snapshot) {
			delete(s.Gateways, fixtureGateway)
			s.Unreadable["Gateway "+fixtureGateway] = "the operator may not read it"
		}},
	{name: "a missing Gateway fails TLS-1", control: "TLS-1", mentions: []string{"Gateway " + fixtureGateway, "does not exist"},
		mutate: func(s *Snapshot) { delete(s.Gateways, fixtureGateway) }},
	{name: "the listener's certificate for another host fails TLS-2", control: "TLS-2",
		mentions: []string{"listener https of Gateway " + fixtureGateway, "Secret " + gatewayCertificate, "does not cover meet.example.eu"},
		mutate: func(s *Snapshot) {
			other := tlsSecret(gatewayCertificate, validCert("other.example.eu"))
			s.ListenerSecrets[fixtures.GatewayNamespace+"/"+gatewayCertificate] = other
		}},
	{name: "a listener certificate of another namespace without a ReferenceGrant fails TLS-2", control: "TLS-2",
		mentions: []string{"certs/wildcard", "ReferenceGrant"},
		mutate: editGateway(func(gw *gatewayv1.Gateway) {
			listenerNamed(gw, fixtures.HTTPSListener).TLS.CertificateRefs[0].Namespace = ptr.To(gatewayv1.Namespace("certs"))
			listenerNamed(gw, fixtures.HTTPSListener).TLS.CertificateRefs[0].Name = "wildcard"
		})},
	{name: "a listener certificate the operator may not read warns", control: "TLS-2", want: v1alpha1.ResultWarn,
		mentions: []string{"cannot be read"},
		mutate: func(s *Snapshot) {
			delete(s.ListenerSecrets, fixtures.GatewayNamespace+"/"+gatewayCertificate)
			s.Unreadable["Secret "+fixtures.GatewayNamespace+"/"+gatewayCertificate] = "the operator may not read it"
		}},
	{name: "another tenant's HTTPRoute for the domain fails OVR-3 naming it", control: "OVR-3",
		mentions: []string{"HTTPRoute shop/config-hijack", "meet.example.eu"},
		mutate: func(s *Snapshot) {
			s.HTTPRoutes = append(s.HTTPRoutes, gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "config-hijack"},
				Spec: gatewayv1.HTTPRouteSpec{Hostnames: []gatewayv1.Hostname{"*.example.eu"}}})
		}},
	{name: "a changed rule of the operator's route fails OVR-3", control: "OVR-3", mentions: []string{"HTTPRoute meet routes other"},
		mutate: editRoute("meet", func(r *gatewayv1.HTTPRoute) { r.Spec.Rules[0].BackendRefs[0].Name = "canary" })},
	{name: "a redirect route that serves the backend fails TLS-1", control: "TLS-1",
		mentions: []string{"HTTPRoute meet-http-redirect", "does not only redirect"},
		mutate:   editRoute("meet-http-redirect", func(r *gatewayv1.HTTPRoute) { r.Spec.Rules[0].Filters = nil })},
	{name: "a proxy namespace other than the web policy admits fails TLS-3", control: "TLS-3",
		mentions: []string{"namespace elsewhere"},
		mutate:   func(s *Snapshot) { s.Platform.Spec.Gateway.ProxyNamespace = "elsewhere" }},
	{name: "a web policy that admits every pod of the proxy namespace fails TLS-3 once the spec names the proxies' labels", control: "TLS-3",
		mentions: []string{"NetworkPolicy meet-web", "pods app=proxy"},
		mutate:   func(s *Snapshot) { s.Platform.Spec.Gateway.ProxyPodSelector = "app=proxy" }},
	{name: "DNS egress to a namespace outside spec.network.dnsNamespaces fails TEL-4", control: "TEL-4",
		mentions: []string{"NetworkPolicy meet-dns"},
		mutate:   func(s *Snapshot) { s.Platform.Spec.Network.DNSNamespaces = []string{"openshift-dns"} }},
}

func TestGatewayTamperingIsCaught(t *testing.T) {
	for _, tc := range onGateway {
		t.Run(tc.name, func(t *testing.T) { assertCaught(t, passing(t, "gateway", gatewayPlatform), tc) })
	}
}

// onIngressClass are the redirect verdicts of TLS-1 by the controller of the IngressClass.
var onIngressClass = []tamperCase{
	{name: "an IngressClass of an unknown controller warns, never passes", control: "TLS-1", want: v1alpha1.ResultWarn,
		mentions: []string{"cannot verify the HTTP→HTTPS redirect of controller example.com/haproxy", "IngressClass nginx"},
		mutate:   func(s *Snapshot) { s.IngressClasses[0].Spec.Controller = "example.com/haproxy" }},
	{name: "a Traefik Ingress with its TLS-only router, in a cluster without Traefik's Middleware kind, warns naming the CRD", control: "TLS-1", want: v1alpha1.ResultWarn,
		mentions: []string{"Ingress meet: Traefik serves it only over TLS", "CRD " + settings.MiddlewareCRD},
		mutate:   func(s *Snapshot) { s.IngressClasses[0].Spec.Controller = settings.TraefikController }},
	{name: "a Traefik Ingress without the TLS-only router fails TLS-1: Traefik would serve it on plain HTTP", control: "TLS-1",
		mentions: []string{"Ingress meet: Traefik serves it on plain HTTP too", settings.AnnotationTraefikRouterTLS},
		mutate: func(s *Snapshot) {
			s.IngressClasses[0].Spec.Controller = settings.TraefikController
			delete(s.Ingresses[0].Annotations, settings.AnnotationTraefikRouterTLS)
		}},
	{name: "no default IngressClass warns", control: "TLS-1", want: v1alpha1.ResultWarn,
		mentions: []string{"default IngressClass", "does not exist"},
		mutate:   func(s *Snapshot) { s.IngressClasses = []networkingv1.IngressClass{} }},
}

func TestRedirectVerdictFollowsTheIngressClass(t *testing.T) {
	for _, tc := range onIngressClass {
		t.Run(tc.name, func(t *testing.T) { assertCaught(t, passingJWT(t), tc) })
	}
}

func TestHostCovers(t *testing.T) {
	for _, tc := range []struct {
		pattern, host string
		want          bool
	}{
		{"", "meet.example.eu", true},
		{"meet.example.eu", "meet.example.eu", true},
		{"*.example.eu", "meet.example.eu", true},
		{"*.example.eu", "a.meet.example.eu", true}, // a suffix match over any number of labels
		{"*.example.eu", "example.eu", false},
		{"other.example.eu", "meet.example.eu", false},
		{"*.meet.example.eu", "meet.example.eu", false},
	} {
		if got := hostCovers(tc.pattern, tc.host); got != tc.want {
			t.Errorf("hostCovers(%q, %q) = %v, want %v", tc.pattern, tc.host, got, tc.want)
		}
	}
}

func TestResponseHeadersAreSupportedOnlyWhereEveryGatewaysClassListsTheFeature(t *testing.T) {
	refs := settings.GatewayRefs(settings.Defaulted(gatewayPlatform()))
	gw := fixtures.Gateway("meet.example.eu", gatewayCertificate)
	gateways := map[string]*gatewayv1.Gateway{refs[0].Key(): gw}
	class := func(features ...gatewayv1.FeatureName) map[string]*gatewayv1.GatewayClass {
		c := &gatewayv1.GatewayClass{}
		for _, f := range features {
			c.Status.SupportedFeatures = append(c.Status.SupportedFeatures, gatewayv1.SupportedFeature{Name: f})
		}
		return map[string]*gatewayv1.GatewayClass{string(gw.Spec.GatewayClassName): c}
	}
	for _, tc := range []struct {
		name     string
		gateways map[string]*gatewayv1.Gateway
		classes  map[string]*gatewayv1.GatewayClass
		want     bool
		mentions string
	}{
		{"the class lists the feature", gateways, class("HTTPRouteHostRewrite", "HTTPRouteResponseHeaderModification"), true, ""},
		{"the class lists other features only", gateways, class("HTTPRouteSchemeRedirect"), false, "GatewayClass example does not list HTTPRouteResponseHeaderModification"},
		{"the class cannot be read", gateways, nil, false, "GatewayClass example of Gateway gateway-system/public cannot be read"},
		{"the Gateway cannot be read", nil, class("HTTPRouteResponseHeaderModification"), false, "Gateway gateway-system/public cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, missing := ResponseHeadersSupported(refs, tc.gateways, tc.classes)
			if got != tc.want || !strings.Contains(missing, tc.mentions) {
				t.Errorf("got %v (%q), want %v mentioning %q", got, missing, tc.want, tc.mentions)
			}
		})
	}
}

// TLS-1's message says where the response headers come from on a Gateway.
func TestTLS1SaysWhereTheGatewaysHeadersComeFrom(t *testing.T) {
	s := passing(t, "gateway", gatewayPlatform)
	if got := resultOf(Evaluate(s), "TLS-1"); got.Result != v1alpha1.ResultPass || !strings.Contains(got.Message, "only the web pods send the headers (GatewayClass example") {
		t.Errorf("TLS-1 without the class = %s %q, want Pass saying only the web pods send the headers", got.Result, got.Message)
	}
	s.GatewayClasses = map[string]*gatewayv1.GatewayClass{"example": {Status: gatewayv1.GatewayClassStatus{
		SupportedFeatures: []gatewayv1.SupportedFeature{{Name: "HTTPRouteResponseHeaderModification"}}}}}
	if got := resultOf(Evaluate(s), "TLS-1"); !strings.Contains(got.Message, "the route adds them too") {
		t.Errorf("TLS-1 with the feature = %s %q, want it to say the route adds them too", got.Result, got.Message)
	}
}
