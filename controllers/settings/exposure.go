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

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// This file is how a platform is exposed: an Ingress (spec.ingress, the default) or HTTPRoutes
// attached to a Gateway (spec.gateway), and who may therefore reach the web pods' plain HTTP
// port behind the TLS terminator.

// UsesGateway says whether the platform is exposed through HTTPRoutes (spec.gateway) rather
// than an Ingress.
func UsesGateway(mp *v1alpha1.MeetingPlatform) bool {
	return mp.Spec.Gateway != nil
}

// IngressName is the platform's Ingress, HTTPRouteName its HTTPRoute to the web Service, and
// RedirectRouteName the HTTPRoute of the plain-HTTP listeners that only redirects to https.
func IngressName(mp *v1alpha1.MeetingPlatform) string       { return mp.Name }
func HTTPRouteName(mp *v1alpha1.MeetingPlatform) string     { return mp.Name }
func RedirectRouteName(mp *v1alpha1.MeetingPlatform) string { return Name(mp, "http-redirect") }

// GatewayRef is one Gateway of spec.gateway.parentRefs with its namespace resolved (an empty
// namespace is the platform's, as in a Gateway API parentRef).
type GatewayRef struct {
	Namespace, Name string
	// Section is the HTTPS listener ("" = every listener that admits the route), Redirect the
	// plain-HTTP listener that gets the redirect route ("" = none).
	Section, Redirect string
}

// Key is "namespace/name", how messages name the Gateway.
func (g GatewayRef) Key() string { return g.Namespace + "/" + g.Name }

// GatewayRefs are the platform's Gateways, in spec order; nil with an Ingress.
func GatewayRefs(mp *v1alpha1.MeetingPlatform) []GatewayRef {
	if mp.Spec.Gateway == nil {
		return nil
	}
	out := make([]GatewayRef, 0, len(mp.Spec.Gateway.ParentRefs))
	for _, p := range mp.Spec.Gateway.ParentRefs {
		ns := p.Namespace
		if ns == "" {
			ns = mp.Namespace
		}
		out = append(out, GatewayRef{Namespace: ns, Name: p.Name, Section: p.SectionName, Redirect: p.RedirectSectionName})
	}
	return out
}

// TLSTerminator names, for messages, what may reach the web pods' plain HTTP port: "the ingress
// controller" or "the Gateway's proxies".
func TLSTerminator(mp *v1alpha1.MeetingPlatform) string {
	if UsesGateway(mp) {
		return "the Gateway's proxies"
	}
	return "the ingress controller"
}

// TerminatorSource is the namespace, and the pod labels within it ("" / nil: every pod), of
// the TLS terminator: only its pods may reach the web pods' plain HTTP port (TLS-3).
// spec.ingress.controllerNamespace and controllerPodSelector for an Ingress;
// spec.gateway.proxyNamespace (default the first Gateway's namespace) and proxyPodSelector for
// a Gateway. mp must be defaulted.
func TerminatorSource(mp *v1alpha1.MeetingPlatform) (namespace string, podLabels map[string]string) {
	if g := mp.Spec.Gateway; g != nil {
		namespace = g.ProxyNamespace
		if refs := GatewayRefs(mp); namespace == "" && len(refs) > 0 {
			namespace = refs[0].Namespace
		}
		return namespace, ParsePodLabels(g.ProxyPodSelector)
	}
	return mp.Spec.Ingress.ControllerNamespace, ParsePodLabels(mp.Spec.Ingress.ControllerPodSelector)
}

// ParsePodLabels reads "k=v,k2=v2" (v1alpha1.PodLabels, whose pattern the API server checks);
// nil for "".
func ParsePodLabels(s v1alpha1.PodLabels) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	for _, pair := range strings.Split(string(s), ",") {
		k, v, _ := strings.Cut(pair, "=")
		out[k] = v
	}
	return out
}

// DNSNamespaces are the namespaces the platform's pods may ask for DNS (TEL-4): spec.network.
// dnsNamespaces, default kube-system. mp must be defaulted.
func DNSNamespaces(mp *v1alpha1.MeetingPlatform) []string {
	return mp.Spec.Network.DNSNamespaces
}

// Ingress controllers whose HTTP→HTTPS redirect the operator renders and verifies, by the
// spec.controller of their IngressClass (TLS-1). Any other controller gets the portable
// Ingress, and TLS-1 warns that its redirect cannot be verified.
const (
	IngressNginxController = "k8s.io/ingress-nginx"
	TraefikController      = "traefik.io/ingress-controller"
)

// DefaultIngressClassAnnotation marks the IngressClass an Ingress without a class gets.
const DefaultIngressClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

// Gateway API names the renderer and the evaluator share: the API group and the kinds.
const (
	GatewayGroup = "gateway.networking.k8s.io"
	GatewayKind  = "Gateway"
	SecretKind   = "Secret"
	ServiceKind  = "Service"
)

// RedirectStatusCode is the status of the plain-HTTP listeners' redirect to https: permanent,
// so browsers remember it (TLS-1).
const RedirectStatusCode = 301

// HTTPSScheme is the scheme the redirect sends browsers to, on HTTPSPort.
const (
	HTTPSScheme = "https"
	HTTPSPort   = 443
)
