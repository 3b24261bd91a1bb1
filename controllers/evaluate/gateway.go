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
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/gateway-api/pkg/features"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// This file judges a platform exposed through a Gateway (spec.gateway) from the live Gateway,
// never from the spec: which listener carries the domain and how, what the Gateway controller
// reports about its listeners and about the platform's routes (status with an observedGeneration
// that is current), and the certificate the listener really serves. Facts about the API are
// from sigs.k8s.io/gateway-api v1.6.3, apis/v1.

// RouteConcerns says whether an HTTPRoute routes the domain: one of its hostnames covers it,
// or it has none and attaches to one of the platform's Gateways, whose listeners then give it
// every host they take. The reconciler reads the routes of other namespaces by it.
func RouteConcerns(route *gatewayv1.HTTPRoute, domain string, gateways []settings.GatewayRef) bool {
	if len(route.Spec.Hostnames) == 0 {
		return slices.ContainsFunc(route.Spec.ParentRefs, func(p gatewayv1.ParentReference) bool {
			return slices.ContainsFunc(gateways, func(g settings.GatewayRef) bool { return refersTo(p, route.Namespace, g) })
		})
	}
	return slices.ContainsFunc(route.Spec.Hostnames, func(h gatewayv1.Hostname) bool { return hostCovers(string(h), domain) })
}

// hostCovers says whether a Gateway API hostname takes host: exactly, or as a wildcard, which
// is a suffix match over any number of labels ("*.example.com" takes "foo.test.example.com",
// not "example.com": gateway_types.go, Listener.Hostname). An empty pattern takes every host.
func hostCovers(pattern, host string) bool {
	if pattern == "" || pattern == host {
		return true
	}
	suffix, wildcard := strings.CutPrefix(pattern, "*")
	return wildcard && strings.HasSuffix(host, suffix) && len(host) > len(suffix)
}

// refersTo says whether a parentRef of a route in namespace routeNS names the Gateway g.
func refersTo(p gatewayv1.ParentReference, routeNS string, g settings.GatewayRef) bool {
	ns := routeNS
	if p.Namespace != nil {
		ns = string(*p.Namespace)
	}
	return ns == g.Namespace && string(p.Name) == g.Name && (p.Kind == nil || *p.Kind == settings.GatewayKind) &&
		(p.Group == nil || *p.Group == settings.GatewayGroup)
}

// CertificateKey is "namespace/name" of a listener's certificate reference (the Gateway's
// namespace when it names none).
func CertificateKey(gw *gatewayv1.Gateway, ref gatewayv1.SecretObjectReference) string {
	ns := gw.Namespace
	if ref.Namespace != nil {
		ns = string(*ref.Namespace)
	}
	return ns + "/" + string(ref.Name)
}

// CertificateKeys are the "namespace/name" of every certificate the Gateway's listeners name.
func CertificateKeys(gw *gatewayv1.Gateway) []string {
	var out []string
	for _, l := range gw.Spec.Listeners {
		if l.TLS == nil {
			continue
		}
		for _, ref := range l.TLS.CertificateRefs {
			out = append(out, CertificateKey(gw, ref))
		}
	}
	return out
}

// IsSecretRef says whether a certificate reference names a core Secret (the CRD defaults).
func IsSecretRef(ref gatewayv1.SecretObjectReference) bool {
	return (ref.Group == nil || *ref.Group == "") && (ref.Kind == nil || *ref.Kind == settings.SecretKind)
}

// listener is one listener of a platform Gateway as a check sees it.
type listener struct {
	gw   *gatewayv1.Gateway
	spec *gatewayv1.Listener
}

func (l listener) String() string {
	return "listener " + string(l.spec.Name) + " of Gateway " + l.gw.Namespace + "/" + l.gw.Name
}

// platformGateways walks spec.gateway.parentRefs: each Gateway that exists, or a finding why
// it cannot be judged (a missing Gateway fails, an unreadable one warns).
func (s *Snapshot) platformGateways() ([]settings.GatewayRef, []*gatewayv1.Gateway, verdict) {
	var v verdict
	var refs []settings.GatewayRef
	var gateways []*gatewayv1.Gateway
	for _, ref := range settings.GatewayRefs(s.Platform) {
		gw := s.Gateways[ref.Key()]
		switch {
		case s.Unreadable["Gateway "+ref.Key()] != "":
			v.warned.add("Gateway %s cannot be read (%s), so its listeners are not verified", ref.Key(), s.Unreadable["Gateway "+ref.Key()])
		case gw == nil:
			v.failed.add("Gateway %s (spec.gateway.parentRefs) does not exist", ref.Key())
		default:
			refs, gateways = append(refs, ref), append(gateways, gw)
		}
	}
	return refs, gateways, v
}

// servingListeners are the listeners the platform's HTTPS route attaches to: the one its
// sectionName names, or without one every HTTP or HTTPS listener that takes the domain and may
// admit a route of the platform's namespace. A named listener that does not exist fails.
func (s *Snapshot) servingListeners(ref settings.GatewayRef, gw *gatewayv1.Gateway) ([]listener, verdict) {
	var v verdict
	if ref.Section != "" {
		l := findListener(gw, ref.Section)
		if l == nil {
			v.failed.add("Gateway %s has no listener %s (spec.gateway.parentRefs sectionName)", ref.Key(), ref.Section)
			return nil, v
		}
		return []listener{{gw, l}}, v
	}
	var out []listener
	for i := range gw.Spec.Listeners {
		l := &gw.Spec.Listeners[i]
		web := l.Protocol == gatewayv1.HTTPProtocolType || l.Protocol == gatewayv1.HTTPSProtocolType
		if web && takesHost(l, s.Platform.Spec.Domain) && s.mayAdmit(gw, l) {
			out = append(out, listener{gw, l})
		}
	}
	if len(out) == 0 {
		v.failed.add("no listener of Gateway %s takes %s from namespace %s", ref.Key(), s.Platform.Spec.Domain, s.Platform.Namespace)
	}
	return out, v
}

func findListener(gw *gatewayv1.Gateway, name string) *gatewayv1.Listener {
	for i := range gw.Spec.Listeners {
		if string(gw.Spec.Listeners[i].Name) == name {
			return &gw.Spec.Listeners[i]
		}
	}
	return nil
}

func takesHost(l *gatewayv1.Listener, host string) bool {
	return l.Hostname == nil || hostCovers(string(*l.Hostname), host)
}

// mayAdmit says whether a listener's allowedRoutes may admit a route of the platform's
// namespace: Same (the CRD default) only from the Gateway's namespace, All always, a Selector
// perhaps (the namespace's labels are not read, so it counts as admitting).
func (s *Snapshot) mayAdmit(gw *gatewayv1.Gateway, l *gatewayv1.Listener) bool {
	if l.AllowedRoutes == nil || l.AllowedRoutes.Namespaces == nil || l.AllowedRoutes.Namespaces.From == nil {
		return gw.Namespace == s.Platform.Namespace
	}
	switch *l.AllowedRoutes.Namespaces.From {
	case gatewayv1.NamespacesFromSame:
		return gw.Namespace == s.Platform.Namespace
	case gatewayv1.NamespacesFromAll, gatewayv1.NamespacesFromSelector:
		return true
	}
	return false
}

// gatewayTLSFindings is TLS-1 for a Gateway: the listeners the platform is served on terminate
// TLS and are programmed, every plain-HTTP listener that takes the domain carries the
// operator's redirect, and the Gateway controller accepted both routes.
func (s *Snapshot) gatewayTLSFindings() verdict {
	refs, gateways, v := s.platformGateways()
	for i, ref := range refs {
		gw := gateways[i]
		serving, found := s.servingListeners(ref, gw)
		v.addAll(found)
		for _, l := range serving {
			v.addAll(s.httpsListenerFindings(l))
		}
		v.addAll(s.plainListenerFindings(ref, gw))
		v.addAll(s.routeStatusFindings(settings.HTTPRouteName(s.Platform), ref, ref.Section))
		if ref.Redirect != "" {
			v.addAll(s.routeStatusFindings(settings.RedirectRouteName(s.Platform), ref, ref.Redirect))
		}
	}
	v.failed.addAll(s.redirectRouteFindings())
	return v
}

// httpsListenerFindings: the listener is HTTPS, terminates TLS, and its controller reports it
// accepted, resolved and programmed for the Gateway's current generation.
func (s *Snapshot) httpsListenerFindings(l listener) verdict {
	var v verdict
	switch {
	case l.spec.Protocol != gatewayv1.HTTPSProtocolType:
		v.failed.add("%s is %s, not HTTPS: the platform's route attaches to it and serves %s unencrypted (set sectionName to the HTTPS listener)",
			l, l.spec.Protocol, s.Platform.Spec.Domain)
		return v
	case l.spec.TLS == nil || l.spec.TLS.Mode == nil || *l.spec.TLS.Mode != gatewayv1.TLSModeTerminate:
		v.failed.add("%s does not terminate TLS (want tls.mode %s)", l, gatewayv1.TLSModeTerminate)
		return v
	case !takesHost(l.spec, s.Platform.Spec.Domain):
		v.failed.add("%s is for host %s, not %s", l, *l.spec.Hostname, s.Platform.Spec.Domain)
		return v
	}
	v.addAll(listenerStatusFindings(l))
	return v
}

// listenerConditions are the conditions a Gateway controller reports on a listener that works
// (gateway_types.go, ListenerConditionType): all must be True.
var listenerConditions = []string{
	string(gatewayv1.ListenerConditionAccepted), string(gatewayv1.ListenerConditionResolvedRefs), string(gatewayv1.ListenerConditionProgrammed),
}

// listenerStatusFindings judges what the Gateway's controller reports on a listener. A
// condition whose observedGeneration is older than the Gateway's describes an earlier spec
// (implementations must set it: gateway_types.go, GatewayStatus.Conditions), so it is not
// trusted.
func listenerStatusFindings(l listener) verdict {
	var v verdict
	i := slices.IndexFunc(l.gw.Status.Listeners, func(st gatewayv1.ListenerStatus) bool { return st.Name == l.spec.Name })
	if i < 0 {
		v.warned.add("%s has no status: no Gateway controller reports it programmed", l)
		return v
	}
	v.addAll(conditionFindings(l.String(), l.gw.Generation, l.gw.Status.Listeners[i].Conditions, listenerConditions))
	return v
}

// conditionFindings: each wanted condition is True for the object's generation; False fails
// naming its reason, missing, Unknown or stale warns.
func conditionFindings(what string, generation int64, conditions []metav1.Condition, want []string) verdict {
	var v verdict
	for _, t := range want {
		c := findCondition(conditions, t)
		switch {
		case c == nil || c.Status == metav1.ConditionUnknown:
			v.warned.add("%s: the Gateway controller reports no %s condition yet", what, t)
		case c.ObservedGeneration < generation:
			v.warned.add("%s: condition %s describes generation %d, not the current %d", what, t, c.ObservedGeneration, generation)
		case c.Status == metav1.ConditionFalse:
			v.failed.add("%s is not %s: %s: %s", what, t, c.Reason, c.Message)
		}
	}
	return v
}

func findCondition(conditions []metav1.Condition, t string) *metav1.Condition {
	for i := range conditions {
		if conditions[i].Type == t {
			return &conditions[i]
		}
	}
	return nil
}

// plainListenerFindings: every plain-HTTP listener of the Gateway that takes the domain must
// be the one the operator attaches its redirect to; otherwise plain HTTP for the domain is not
// redirected there, and any route attached to it would serve it unencrypted.
func (s *Snapshot) plainListenerFindings(ref settings.GatewayRef, gw *gatewayv1.Gateway) verdict {
	var v verdict
	for i := range gw.Spec.Listeners {
		l := &gw.Spec.Listeners[i]
		if l.Protocol != gatewayv1.HTTPProtocolType || !takesHost(l, s.Platform.Spec.Domain) || string(l.Name) == ref.Redirect {
			continue
		}
		v.failed.add("%s takes plain HTTP for %s and does not redirect it to HTTPS (name it in spec.gateway.parentRefs redirectSectionName)",
			listener{gw, l}, s.Platform.Spec.Domain)
	}
	if ref.Redirect != "" {
		if l := findListener(gw, ref.Redirect); l == nil || l.Protocol != gatewayv1.HTTPProtocolType {
			v.failed.add("Gateway %s has no plain-HTTP listener %s (spec.gateway.parentRefs redirectSectionName)", ref.Key(), ref.Redirect)
		}
	}
	return v
}

// routeConditions are what the Gateway controller reports on a route it serves
// (shared_types.go, RouteConditionType): both must be True.
var routeConditions = []string{string(gatewayv1.RouteConditionAccepted), string(gatewayv1.RouteConditionResolvedRefs)}

// routeStatusFindings judges the status the Gateway's controller gives the operator's route
// for one Gateway listener. status.parents lists only the parents a controller resolved, so
// no entry means no controller took the route (shared_types.go, RouteStatus.Parents).
func (s *Snapshot) routeStatusFindings(name string, ref settings.GatewayRef, section string) verdict {
	var v verdict
	route := s.httpRouteNamed(name)
	if route == nil {
		v.failed.add("HTTPRoute %s is missing", name)
		return v
	}
	i := slices.IndexFunc(route.Status.Parents, func(p gatewayv1.RouteParentStatus) bool {
		return refersTo(p.ParentRef, route.Namespace, ref) && sectionOf(p.ParentRef) == section
	})
	if i < 0 {
		v.warned.add("no Gateway controller reports on HTTPRoute %s for Gateway %s (its status.parents has no entry): nothing says it is served", name, ref.Key())
		return v
	}
	v.addAll(conditionFindings("HTTPRoute "+name+" on Gateway "+ref.Key(), route.Generation, route.Status.Parents[i].Conditions, routeConditions))
	return v
}

func sectionOf(p gatewayv1.ParentReference) string {
	if p.SectionName == nil {
		return ""
	}
	return string(*p.SectionName)
}

// redirectRouteFindings: every rule of the live redirect route only redirects to https.
func (s *Snapshot) redirectRouteFindings() findings {
	var f findings
	route := s.httpRouteNamed(settings.RedirectRouteName(s.Platform))
	if route == nil {
		return f
	}
	for i, r := range route.Spec.Rules {
		if len(r.BackendRefs) > 0 || !slices.ContainsFunc(r.Filters, redirectsToHTTPS) {
			f.add("HTTPRoute %s rule %d on the plain-HTTP listener does not only redirect to https", route.Name, i)
		}
	}
	return f
}

func redirectsToHTTPS(f gatewayv1.HTTPRouteFilter) bool {
	r := f.RequestRedirect
	return f.Type == gatewayv1.HTTPRouteFilterRequestRedirect && r != nil && r.Scheme != nil && *r.Scheme == settings.HTTPSScheme
}

// httpRouteNamed is the platform's own HTTPRoute of that name (in its namespace, controlled
// by it), or nil.
func (s *Snapshot) httpRouteNamed(name string) *gatewayv1.HTTPRoute {
	for i := range s.HTTPRoutes {
		r := &s.HTTPRoutes[i]
		if r.Namespace == s.Platform.Namespace && r.Name == name && s.controlledByPlatform(r) {
			return r
		}
	}
	return nil
}

// foreignHTTPRoutes lists every HTTPRoute but the operator's that routes the platform's domain
// (in any namespace: a Gateway merges the routes of one host from every namespace it admits,
// and a more specific match or an older route wins: httproute_types.go, HTTPRouteRule) or that
// sends traffic to one of its Services, and differences of the operator's own routes.
func (s *Snapshot) foreignHTTPRoutes() findings {
	var f findings
	want := map[string]*gatewayv1.HTTPRoute{}
	for _, r := range desiredOf[*gatewayv1.HTTPRoute](s) {
		want[r.Name] = r
	}
	routes := slices.Clone(s.HTTPRoutes)
	slices.SortFunc(routes, func(a, b gatewayv1.HTTPRoute) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	refs := settings.GatewayRefs(s.Platform)
	for i := range routes {
		route := &routes[i]
		if w := want[route.Name]; w != nil && route.Namespace == s.Platform.Namespace && s.controlledByPlatform(route) {
			if !equality.Semantic.DeepEqual(route.Spec, w.Spec) {
				f.add("HTTPRoute %s routes other hosts, listeners, paths or backends than the operator renders", route.Name)
			}
			continue
		}
		if RouteConcerns(route, s.Platform.Spec.Domain, refs) {
			f.add("HTTPRoute %s/%s routes %s, but it is not the operator's", route.Namespace, route.Name, s.Platform.Spec.Domain)
			continue
		}
		if svc := s.routeBackend(route); svc != "" {
			f.add("HTTPRoute %s/%s sends traffic to Service %s, but it is not the operator's", route.Namespace, route.Name, svc)
		}
	}
	return f
}

// routeBackend names a platform Service an HTTPRoute sends traffic to, or "".
func (s *Snapshot) routeBackend(route *gatewayv1.HTTPRoute) string {
	names := map[string]bool{}
	for _, svc := range s.desiredServices() {
		names[svc.Name] = true
	}
	for _, rule := range route.Spec.Rules {
		for _, b := range rule.BackendRefs {
			ns := route.Namespace
			if b.Namespace != nil {
				ns = string(*b.Namespace)
			}
			kind := b.Kind == nil || *b.Kind == settings.ServiceKind
			if kind && ns == s.Platform.Namespace && names[string(b.Name)] {
				return string(b.Name)
			}
		}
	}
	return ""
}

// ResponseHeadersSupported says whether the Gateway adds the operator's response headers too:
// whether every Gateway of the platform has a GatewayClass whose status lists
// HTTPRouteResponseHeaderModification (an Extended feature; GatewayClassStatus.
// SupportedFeatures, Gateway API v1.6). Only then does the operator's route carry a
// ResponseHeaderModifier: an implementation without the feature may refuse the whole route
// (httproute_types.go, HTTPRouteFilter.Type: unsupported filters set Accepted=False), and the
// web pods send the same headers anyway. Otherwise the second value says, for the first
// Gateway, what is missing. gateways and classes are by "namespace/name" and by name; a nil
// or absent entry is one that does not exist or cannot be read.
func ResponseHeadersSupported(refs []settings.GatewayRef, gateways map[string]*gatewayv1.Gateway, classes map[string]*gatewayv1.GatewayClass) (bool, string) {
	for _, ref := range refs {
		gw := gateways[ref.Key()]
		if gw == nil {
			return false, "Gateway " + ref.Key() + " cannot be read, so its GatewayClass's features are not known"
		}
		name := string(gw.Spec.GatewayClassName)
		class := classes[name]
		switch {
		case class == nil:
			return false, "GatewayClass " + name + " of Gateway " + ref.Key() + " cannot be read"
		case !slices.ContainsFunc(class.Status.SupportedFeatures, func(f gatewayv1.SupportedFeature) bool {
			return f.Name == gatewayv1.FeatureName(features.SupportHTTPRouteResponseHeaderModification)
		}):
			return false, "GatewayClass " + name + " does not list " + string(features.SupportHTTPRouteResponseHeaderModification) + " in status.supportedFeatures"
		}
	}
	return true, ""
}

// gatewayHeadersNote says, for TLS-1's message, where the response headers come from.
func (s *Snapshot) gatewayHeadersNote() string {
	if ok, missing := ResponseHeadersSupported(settings.GatewayRefs(s.Platform), s.Gateways, s.GatewayClasses); !ok {
		return "; only the web pods send the headers (" + missing + ", so the route adds none)"
	}
	return "; the route adds them too"
}
