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
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// These tests run the operator against the Gateway API's standard CRDs (installed by
// TestMain from the module go.mod pins). There is no Gateway implementation in envtest: the
// test plays the Gateway controller and writes the status of the listeners and the routes.

// gatewayCertificate is the Secret of the test Gateway's HTTPS listener.
const gatewayCertificate = "public-tls"

// platformOnGateway creates a Gateway in a namespace of its own with a valid certificate for
// the platform's domain, and the platform attached to it; the test's Gateway controller has
// programmed the Gateway and accepted both routes when it returns. edits change the Gateway
// before it is created.
func platformOnGateway(t *testing.T, edits ...func(*gatewayv1.Gateway)) (*v1alpha1.MeetingPlatform, *gatewayv1.Gateway) {
	t.Helper()
	ensureEUNode(t)
	ns, gwNS := newNamespace(t), newNamespace(t)
	createJWTSecret(t, ns)
	writeListenerCertificate(t, gwNS, domainOf(ns))
	gw := fixtures.Gateway(domainOf(ns), gatewayCertificate)
	gw.Namespace = gwNS
	for _, edit := range edits {
		edit(gw)
	}
	mustCreate(t, gw)
	programGateway(t, gw)

	mp := fixtures.OnGateway(ns, "meet", domainOf(ns), 30000+nodePortN.Add(1))
	mp.Spec.Gateway.ParentRefs[0].Namespace = gwNS
	createPlatform(t, mp)
	markAvailable(t, ns)
	acceptRoutes(t, mp)
	return mp, gw
}

// acceptRoutes plays the Gateway controller: both routes of the platform are accepted for
// their current generation.
func acceptRoutes(t *testing.T, mp *v1alpha1.MeetingPlatform) {
	t.Helper()
	for _, name := range []string{settings.HTTPRouteName(mp), settings.RedirectRouteName(mp)} {
		setRouteStatus(t, mp, name, nil)
	}
}

// writeListenerCertificate creates or replaces the listener's certificate Secret with one for host.
func writeListenerCertificate(t *testing.T, namespace, host string) {
	t.Helper()
	cert, key, err := fixtures.ValidCertificate(host, time.Now()).PEM()
	if err != nil {
		t.Fatal(err)
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: gatewayCertificate}, Type: corev1.SecretTypeTLS}
	if _, err := controllerutil.CreateOrUpdate(context.Background(), k8s, sec, func() error {
		sec.Data = map[string][]byte{corev1.TLSCertKey: cert, corev1.TLSPrivateKeyKey: key}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// programGateway plays the Gateway controller: every listener of the live Gateway is
// accepted, resolved and programmed for its current generation.
func programGateway(t *testing.T, gw *gatewayv1.Gateway) {
	t.Helper()
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(gw), gw); err != nil {
		t.Fatal(err)
	}
	gw.Status = fixtures.ProgrammedStatus(gw)
	if err := k8s.Status().Update(context.Background(), gw); err != nil {
		t.Fatal(err)
	}
}

// setRouteStatus plays the Gateway controller on one of the platform's routes: accepted for
// every parent, then changed by edit (nil: left accepted).
func setRouteStatus(t *testing.T, mp *v1alpha1.MeetingPlatform, name string, edit func(*gatewayv1.RouteParentStatus)) {
	t.Helper()
	route := &gatewayv1.HTTPRoute{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: name}, route); err != nil {
		t.Fatal(err)
	}
	route.Status = fixtures.AcceptedRouteStatus(route)
	if edit != nil {
		edit(&route.Status.Parents[0])
	}
	if err := k8s.Status().Update(context.Background(), route); err != nil {
		t.Fatal(err)
	}
}

// controlIs checks one control's result and that its message names every mention.
func controlIs(mp *v1alpha1.MeetingPlatform, id settings.ControlID, want v1alpha1.ControlResultValue, mentions ...string) error {
	live := &v1alpha1.MeetingPlatform{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), live); err != nil {
		return err
	}
	if live.Status.Compliance == nil {
		return errors.New("no compliance yet")
	}
	for _, c := range live.Status.Compliance.Controls {
		if c.ID != string(id) {
			continue
		}
		if c.Result != want {
			return fmt.Errorf("%s is %s: %s", id, c.Result, c.Message)
		}
		for _, m := range mentions {
			if !strings.Contains(c.Message, m) {
				return fmt.Errorf("%s message %q does not name %q", id, c.Message, m)
			}
		}
		return nil
	}
	return fmt.Errorf("no result for %s", id)
}

// readyOnGateway: the platform is Ready and Compliant, TLS-1 and TLS-2 judged from the
// Gateway and passing.
func readyOnGateway(mp *v1alpha1.MeetingPlatform) func() error {
	return func() error {
		for _, c := range []string{v1alpha1.ConditionReady, v1alpha1.ConditionCompliant} {
			if err := conditionIs(mp, c, metav1.ConditionTrue); err != nil {
				return err
			}
		}
		if err := controlIs(mp, settings.TLS1, v1alpha1.ResultPass, "Gateway's HTTPS listeners"); err != nil {
			return err
		}
		return controlIs(mp, settings.TLS2, v1alpha1.ResultPass, "listener https of Gateway", mp.Spec.Domain)
	}
}

func TestAPlatformOnAGatewayIsJudgedFromTheLiveGateway(t *testing.T) {
	startManager(t)
	mp, gw := platformOnGateway(t)
	gwKey := gw.Namespace + "/" + gw.Name
	eventually(t, "attached and Ready", readyOnGateway(mp))

	t.Run("the route not accepted turns Compliant False naming the reason", func(t *testing.T) {
		setRouteStatus(t, mp, settings.HTTPRouteName(mp), func(p *gatewayv1.RouteParentStatus) {
			meta.SetStatusCondition(&p.Conditions, metav1.Condition{Type: "Accepted", Status: metav1.ConditionFalse,
				Reason: "NotAllowedByListeners", Message: "no listener admits the namespace", ObservedGeneration: 1})
		})
		eventually(t, "TLS-1 fails naming the reason", func() error {
			return controlFails(mp, settings.TLS1, []string{"HTTPRoute meet on Gateway " + gwKey, "NotAllowedByListeners"})
		})
		setRouteStatus(t, mp, settings.HTTPRouteName(mp), nil)
		eventually(t, "Ready again", readyOnGateway(mp))
	})

	t.Run("a plain-HTTP listener without the redirect fails TLS-1", func(t *testing.T) {
		editLiveGateway(t, gw, func(g *gatewayv1.Gateway) {
			plain := g.Spec.Listeners[1]
			plain.Name, plain.Port = "plain", 8080
			g.Spec.Listeners = append(g.Spec.Listeners, plain)
		})
		eventually(t, "TLS-1 fails naming the listener", func() error {
			return controlFails(mp, settings.TLS1, []string{"listener plain of Gateway " + gwKey, "does not redirect"})
		})
		editLiveGateway(t, gw, func(g *gatewayv1.Gateway) { g.Spec.Listeners = g.Spec.Listeners[:2] })
		eventually(t, "Ready again", readyOnGateway(mp))
	})

	t.Run("the listener's certificate for another host fails TLS-2", func(t *testing.T) {
		writeListenerCertificate(t, gw.Namespace, "other.example.eu")
		eventually(t, "TLS-2 fails naming the listener and the host", func() error {
			return controlFails(mp, settings.TLS2, []string{"listener https of Gateway " + gwKey, "other.example.eu", "does not cover " + mp.Spec.Domain})
		})
		writeListenerCertificate(t, gw.Namespace, mp.Spec.Domain)
		eventually(t, "Ready again", readyOnGateway(mp))
	})

	t.Run("another tenant's HTTPRoute for the domain fails OVR-3 naming it", func(t *testing.T) {
		other := newNamespace(t)
		foreign := &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "config-js"},
			Spec: gatewayv1.HTTPRouteSpec{
				CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
					Name: gatewayv1.ObjectName(gw.Name), Namespace: ptr.To(gatewayv1.Namespace(gw.Namespace))}}},
				Hostnames: []gatewayv1.Hostname{gatewayv1.Hostname(mp.Spec.Domain)},
			}}
		mustCreate(t, foreign)
		eventually(t, "OVR-3 fails naming the route", func() error {
			return controlFails(mp, settings.OVR3, []string{"HTTPRoute " + other + "/config-js", mp.Spec.Domain})
		})
		mustDelete(t, foreign)
		eventually(t, "Ready again", readyOnGateway(mp))
	})
}

// editLiveGateway changes the live Gateway, then plays its controller for the new generation.
func editLiveGateway(t *testing.T, gw *gatewayv1.Gateway, edit func(*gatewayv1.Gateway)) {
	t.Helper()
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(gw), gw); err != nil {
		t.Fatal(err)
	}
	edit(gw)
	if err := k8s.Update(context.Background(), gw); err != nil {
		t.Fatal(err)
	}
	programGateway(t, gw)
}

// An Ingress of a class whose controller the operator does not know is served as the
// portable Ingress; TLS-1 warns that the redirect cannot be verified and never passes.
func TestAnUnknownIngressControllerWarnsInsteadOfPassing(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	class := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "haproxy-" + ns},
		Spec: networkingv1.IngressClassSpec{Controller: "haproxy.org/ingress-controller"}}
	mustCreate(t, class)
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), class) })
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	mp.Spec.Ingress.ClassName = class.Name
	createPlatform(t, mp)
	eventually(t, "TLS-1 warns naming the controller", func() error {
		return controlIs(mp, settings.TLS1, v1alpha1.ResultWarn,
			"cannot verify the HTTP→HTTPS redirect of controller haproxy.org/ingress-controller", "IngressClass "+class.Name)
	})
}

// A platform moved from its Ingress to a Gateway (spec.ingress and spec.tls removed,
// spec.gateway added in one change) gets its HTTPRoutes, and its Ingress is pruned.
func TestAPlatformMovedToAGatewayLosesItsIngress(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	gwNS := newNamespace(t)
	writeListenerCertificate(t, gwNS, mp.Spec.Domain)
	gw := fixtures.Gateway(mp.Spec.Domain, gatewayCertificate)
	gw.Namespace = gwNS
	mustCreate(t, gw)
	programGateway(t, gw)

	var live *v1alpha1.MeetingPlatform
	// The operator may write the status between the read and the update, as a person's
	// kubectl edit would find; the edit is made again on the newer object.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		live = getPlatform(t, mp)
		live.Spec.Ingress, live.Spec.TLS = v1alpha1.IngressSpec{}, v1alpha1.TLSSpec{}
		live.Spec.Gateway = fixtures.OnGateway(mp.Namespace, mp.Name, mp.Spec.Domain, mp.Spec.Media.Port).Spec.Gateway
		live.Spec.Gateway.ParentRefs[0].Namespace = gwNS
		return k8s.Update(context.Background(), live)
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the HTTPRoutes exist and the Ingress is pruned", func() error {
		if err := childrenExist(live); err != nil {
			return err
		}
		ing := &networkingv1.Ingress{}
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: settings.IngressName(mp)}, ing)
		if err == nil {
			return errors.New("the Ingress is still there")
		}
		if client.IgnoreNotFound(err) != nil {
			return err
		}
		return eventFor(mp, v1alpha1.EventPruned, "Ingress")
	})
}

// The route sets the response headers only where the Gateway's class says it can
// (status.supportedFeatures lists HTTPRouteResponseHeaderModification); until then the web pods
// alone send them and TLS-1 says so. The test plays the Gateway controller, which writes the
// class's features.
func TestTheRouteSetsResponseHeadersOnlyWhereTheGatewayClassSupportsThem(t *testing.T) {
	startManager(t)
	class := &gatewayv1.GatewayClass{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("class-%d", namespaceN.Add(1))},
		Spec: gatewayv1.GatewayClassSpec{ControllerName: "example.com/gateway-controller"}}
	mustCreate(t, class)
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), class) })
	mp, _ := platformOnGateway(t, func(gw *gatewayv1.Gateway) { gw.Spec.GatewayClassName = gatewayv1.ObjectName(class.Name) })

	eventually(t, "TLS-1 passes and says only the web pods send the headers", func() error {
		return controlIs(mp, settings.TLS1, v1alpha1.ResultPass, "only the web pods send the headers",
			"GatewayClass "+class.Name+" does not list HTTPRouteResponseHeaderModification")
	})
	if f := routeHeaderFilter(t, mp); f != nil {
		t.Fatalf("the route sets headers %+v on a Gateway whose class does not list the feature", f)
	}

	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(class), class); err != nil {
		t.Fatal(err)
	}
	class.Status.SupportedFeatures = []gatewayv1.SupportedFeature{{Name: "HTTPRouteResponseHeaderModification"}}
	if err := k8s.Status().Update(context.Background(), class); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the route sets the headers", func() error {
		f := routeHeaderFilter(t, mp)
		if f == nil || !slices.ContainsFunc(f.Set, func(h gatewayv1.HTTPHeader) bool { return h.Name == settings.HSTSHeader }) {
			return fmt.Errorf("the route's ResponseHeaderModifier is %+v, want one that sets %s", f, settings.HSTSHeader)
		}
		return nil
	})
	acceptRoutes(t, mp) // for the route's new generation
	eventually(t, "TLS-1 passes and says the route adds the headers too", func() error {
		return controlIs(mp, settings.TLS1, v1alpha1.ResultPass, "the route adds them too")
	})
}

// routeHeaderFilter is the ResponseHeaderModifier of the platform's live HTTPS route; nil when none.
func routeHeaderFilter(t *testing.T, mp *v1alpha1.MeetingPlatform) *gatewayv1.HTTPHeaderFilter {
	t.Helper()
	route := &gatewayv1.HTTPRoute{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: settings.HTTPRouteName(mp)}, route); err != nil {
		t.Fatal(err)
	}
	for _, rule := range route.Spec.Rules {
		for _, f := range rule.Filters {
			if f.Type == gatewayv1.HTTPRouteFilterResponseHeaderModifier {
				return f.ResponseHeaderModifier
			}
		}
	}
	return nil
}
