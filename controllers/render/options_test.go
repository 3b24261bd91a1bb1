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
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

func kindsOf(objs []client.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName())
	}
	return out
}

// Without WithTraefikMiddlewares a Traefik platform gets no Middleware and its Ingress names
// none: a reference Traefik cannot resolve would take the router down.
func TestATraefikPlatformGetsMiddlewaresOnlyWhenTold(t *testing.T) {
	plain, err := Objects(settings.Defaulted(traefikMinimal()))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range plain {
		if _, ok := o.(*unstructured.Unstructured); ok || o.GetName() == settings.RedirectIngressName(traefikMinimal()) {
			t.Errorf("without the option %s is rendered", o.GetName())
		}
		if ing, ok := o.(*networkingv1.Ingress); ok && ing.Annotations[settings.AnnotationTraefikMiddlewares] != "" {
			t.Errorf("without the option Ingress %s references Middlewares %q", ing.Name, ing.Annotations[settings.AnnotationTraefikMiddlewares])
		}
	}
	with, err := Objects(settings.Defaulted(traefikMinimal()), WithTraefikMiddlewares())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Ingress/meet", "Ingress/meet-http-redirect", "Middleware/meet-redirect-https", "Middleware/meet-headers"}
	if got := kindsOf(with); !containsInOrder(got, want) {
		t.Errorf("rendered %v, want %v in this order", got, want)
	}
}

// containsInOrder says whether want stands in got as one run.
func containsInOrder(got, want []string) bool {
	for i := 0; i+len(want) <= len(got); i++ {
		if slices.Equal(got[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// The HTTPRoute sets the response headers only WithGatewayResponseHeaders: a Gateway that does
// not support the filter may refuse the whole route.
func TestTheHTTPRouteSetsResponseHeadersOnlyWhenTold(t *testing.T) {
	for _, tc := range []struct {
		opts []Option
		want bool
	}{{nil, false}, {[]Option{WithGatewayResponseHeaders()}, true}} {
		objs, err := Objects(settings.Defaulted(gatewayEnvoyDNSCache()), tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			route, ok := o.(*gatewayv1.HTTPRoute)
			if !ok || route.Name != settings.HTTPRouteName(gatewayEnvoyDNSCache()) {
				continue
			}
			got := slices.ContainsFunc(route.Spec.Rules[0].Filters, func(f gatewayv1.HTTPRouteFilter) bool {
				return f.Type == gatewayv1.HTTPRouteFilterResponseHeaderModifier
			})
			if got != tc.want {
				t.Errorf("with %d options the route's ResponseHeaderModifier is there: %v, want %v", len(tc.opts), got, tc.want)
			}
		}
	}
}
