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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/tokenbridge"
)

// httpRoutes publish the web Service on spec.domain through the Gateways of spec.gateway:
// one route on the HTTPS listeners, and, where a plain-HTTP listener is named, a second one
// there whose only rule redirects to https (the idiom of the Gateway API's HTTP redirect
// guide, two routes bound by sectionName). Every field the CRD would default is written out,
// so the live route equals the rendered one and any other rule is someone else's (OVR-3).
// With headers, the route also sets the operator's response headers.
func httpRoutes(mp *v1alpha1.MeetingPlatform, headers bool) []client.Object {
	refs := settings.GatewayRefs(mp)
	var https, redirect []gatewayv1.ParentReference
	for _, ref := range refs {
		https = append(https, parentRef(ref, ref.Section))
		if ref.Redirect != "" {
			redirect = append(redirect, parentRef(ref, ref.Redirect))
		}
	}
	serve := gatewayv1.HTTPRouteRule{
		Matches:     everyPath(),
		BackendRefs: serviceBackend(mp, settings.Web, settings.WebServicePort),
	}
	if headers {
		// Extended support, rendered only where every Gateway's class lists it: a Gateway
		// without it may refuse the whole route. The web pods send the same headers
		// themselves (TLS-1 checks them there).
		serve.Filters = []gatewayv1.HTTPRouteFilter{{
			Type:                   gatewayv1.HTTPRouteFilterResponseHeaderModifier,
			ResponseHeaderModifier: &gatewayv1.HTTPHeaderFilter{Set: responseHeaders()},
		}}
	}
	rules := []gatewayv1.HTTPRouteRule{serve}
	if settings.UsesTokenBridge(mp) {
		rules = append(rules, tokenBridgeRule(mp, serve.Filters))
	}
	objs := []client.Object{httpRoute(mp, settings.HTTPRouteName(mp), https, rules...)}
	if len(redirect) > 0 {
		objs = append(objs, httpRoute(mp, settings.RedirectRouteName(mp), redirect, gatewayv1.HTTPRouteRule{
			Matches: everyPath(),
			Filters: []gatewayv1.HTTPRouteFilter{{
				Type: gatewayv1.HTTPRouteFilterRequestRedirect,
				RequestRedirect: &gatewayv1.HTTPRequestRedirectFilter{
					Scheme:     ptr.To(settings.HTTPSScheme),
					StatusCode: ptr.To(settings.RedirectStatusCode),
				},
			}},
		}))
	}
	return objs
}

func httpRoute(mp *v1alpha1.MeetingPlatform, name string, parents []gatewayv1.ParentReference, rules ...gatewayv1.HTTPRouteRule) *gatewayv1.HTTPRoute {
	return &gatewayv1.HTTPRoute{
		TypeMeta:   metav1.TypeMeta{APIVersion: gatewayv1.GroupVersion.String(), Kind: "HTTPRoute"},
		ObjectMeta: meta(mp, name, string(settings.Web)),
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: parents},
			Hostnames:       []gatewayv1.Hostname{gatewayv1.Hostname(mp.Spec.Domain)},
			Rules:           rules,
		},
	}
}

// tokenBridgeRule sends the bridge's prefix to its Service, with the same response headers as
// the rest of the platform; the longest matching path prefix wins (Gateway API HTTPRouteRule
// precedence).
func tokenBridgeRule(mp *v1alpha1.MeetingPlatform, filters []gatewayv1.HTTPRouteFilter) gatewayv1.HTTPRouteRule {
	return gatewayv1.HTTPRouteRule{
		Matches: []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{
			Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To(tokenbridge.PathPrefix)}}},
		Filters:     filters,
		BackendRefs: serviceBackend(mp, settings.TokenBridge, settings.TokenBridgePort),
	}
}

// serviceBackend is a component's Service as the only backend of a rule, with every field the
// CRD would default written out.
func serviceBackend(mp *v1alpha1.MeetingPlatform, c settings.Component, port int32) []gatewayv1.HTTPBackendRef {
	return []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
		BackendObjectReference: gatewayv1.BackendObjectReference{
			Group: ptr.To(gatewayv1.Group("")),
			Kind:  ptr.To(gatewayv1.Kind(settings.ServiceKind)),
			Name:  gatewayv1.ObjectName(settings.Name(mp, string(c))),
			Port:  ptr.To(port),
		},
		Weight: ptr.To(int32(1)),
	}}}
}

// parentRef attaches a route to one listener of a Gateway ("" section: every listener).
func parentRef(ref settings.GatewayRef, section string) gatewayv1.ParentReference {
	p := gatewayv1.ParentReference{
		Group:     ptr.To(gatewayv1.Group(settings.GatewayGroup)),
		Kind:      ptr.To(gatewayv1.Kind(settings.GatewayKind)),
		Namespace: ptr.To(gatewayv1.Namespace(ref.Namespace)),
		Name:      gatewayv1.ObjectName(ref.Name),
	}
	if section != "" {
		p.SectionName = ptr.To(gatewayv1.SectionName(section))
	}
	return p
}

// everyPath is the match the CRD defaults a rule without matches to: every path.
func everyPath() []gatewayv1.HTTPRouteMatch {
	return []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{
		Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To("/")}}}
}

// responseHeaders are the operator's response headers (settings.Headers: HSTS and the
// referrer policy) as the Gateway sets them.
func responseHeaders() []gatewayv1.HTTPHeader {
	out := make([]gatewayv1.HTTPHeader, 0, len(settings.Headers))
	for _, h := range settings.Headers {
		out = append(out, gatewayv1.HTTPHeader{Name: gatewayv1.HTTPHeaderName(h.Name), Value: h.Value})
	}
	return out
}
