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

package e2e

import (
	"errors"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/test/utils"
)

// A platform on a Gateway, created while the cluster does not serve the Gateway API, waits
// (Stalled, GatewayAPIMissing) and deploys once the CRDs are installed, with no restart of the
// operator; with the test playing the Gateway controller it is Ready and Compliant, and another
// tenant's HTTPRoute for its domain turns Compliant False naming the route.
func TestAPlatformOnAGatewayDeploysOnceTheGatewayAPIIsInstalled(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 8*time.Minute)
	ns, gwNS := createNamespace(t, "gateway"), createNamespace(t, "gw")
	mp := fixtures.OnGateway(ns, "meet", fmt.Sprintf("meet.%s.e2e.example.eu", ns), nextNodePort())
	mp.Spec.Gateway.ParentRefs[0].Namespace = gwNS
	key := keyOf(mp)

	_, err := k8s.RESTMapper().RESTMapping(schema.GroupKind{Group: gatewayv1.GroupName, Kind: "HTTPRoute"}, gatewayv1.GroupVersion.Version)
	servedBefore := err == nil
	createPlatform(t, mp)
	if !servedBefore {
		waitPlatform(t, key, time.Minute, "Stalled with GatewayAPIMissing", func(mp *v1alpha1.MeetingPlatform) error {
			if c := condition(mp, v1alpha1.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonGatewayAPIMissing {
				return fmt.Errorf("conditions: %s", describeConditions(mp))
			}
			return nil
		})
	}
	crds, err := utils.GatewayAPICRDs()
	if err != nil {
		t.Fatal(err)
	}
	// Server-side: the HTTPRoute CRD is larger than kubectl's last-applied annotation allows.
	if out, err := kubectl(ctx, "apply", "--server-side", "-f", crds); err != nil {
		t.Fatalf("installing the Gateway API CRDs: %v\n%s", err, out)
	}

	if err := createTLSSecret(ctx, gwNS, "public-tls", mp.Spec.Domain); err != nil {
		t.Fatal(err)
	}
	gw := fixtures.Gateway(mp.Spec.Domain, "public-tls")
	gw.Namespace = gwNS
	waitFor(t, time.Minute, "the Gateway can be created", func() error { return k8s.Create(ctx, gw) })
	waitFor(t, 30*time.Second, "the test programs the Gateway", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(gw), gw); err != nil {
			return err
		}
		gw.Status = fixtures.ProgrammedStatus(gw)
		return k8s.Status().Update(ctx, gw)
	})
	for _, name := range []string{mp.Name, mp.Name + "-http-redirect"} {
		waitFor(t, 2*time.Minute, "the test accepts HTTPRoute "+name, func() error {
			route := &gatewayv1.HTTPRoute{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, route); err != nil {
				return err
			}
			route.Status = fixtures.AcceptedRouteStatus(route)
			return k8s.Status().Update(ctx, route)
		})
	}
	waitPlatform(t, key, 3*time.Minute, "Ready and Compliant, TLS-1 and TLS-2 passing from the Gateway", func(mp *v1alpha1.MeetingPlatform) error {
		if err := readyAndCompliant(mp); err != nil {
			return err
		}
		return controlsPass(mp, "TLS-1", "TLS-2", "OVR-3")
	})

	other := createNamespace(t, "tenant")
	foreign := &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "steal-config"},
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
				Name: gatewayv1.ObjectName(gw.Name), Namespace: ptr.To(gatewayv1.Namespace(gwNS))}}},
			Hostnames: []gatewayv1.Hostname{gatewayv1.Hostname(mp.Spec.Domain)},
		}}
	if err := k8s.Create(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	waitControl(t, key, "OVR-3", "HTTPRoute "+other+"/steal-config")
	if err := k8s.Delete(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	waitReady(t, key, time.Minute)
}

// controlsPass checks that each control passes.
func controlsPass(mp *v1alpha1.MeetingPlatform, ids ...string) error {
	if mp.Status.Compliance == nil {
		return errors.New("no compliance yet")
	}
	for _, id := range ids {
		found := false
		for _, c := range mp.Status.Compliance.Controls {
			if c.ID == id {
				found = true
				if c.Result != v1alpha1.ResultPass {
					return fmt.Errorf("%s is %s: %s", id, c.Result, c.Message)
				}
			}
		}
		if !found {
			return fmt.Errorf("no result for %s", id)
		}
	}
	return nil
}
