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
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// TestARouteAroundTheOperatorIsNotCompliant: on the real cluster (the Deployment, ReplicaSet
// and EndpointSlice controllers, kwok's pods), a canary Deployment whose pods the web Service
// selects, and another tenant's Ingress that routes the platform's /config.js, each turn
// Compliant False naming it within seconds, in Enforce mode too (the operator deletes no
// user's object), and Compliant returns once they are gone.
func TestARouteAroundTheOperatorIsNotCompliant(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 8*time.Minute)
	ns := createNamespace(t, "reach")
	mp := createPlatform(t, newPlatform(ns, "meet"))
	key := client.ObjectKeyFromObject(mp)
	waitReady(t, key, 3*time.Minute)

	web := &appsv1.Deployment{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "meet-web"}, web); err != nil {
		t.Fatal(err)
	}
	canary := &appsv1.Deployment{}
	canary.Namespace, canary.Name = ns, "meet-web-canary"
	canary.Spec = *web.Spec.DeepCopy()
	c := &canary.Spec.Template.Spec.Containers[0]
	for i := range c.Env {
		if c.Env[i].Name == "ENABLE_RECORDING" {
			c.Env[i].Value = "true"
		}
	}
	canary.Spec.Replicas = ptr.To[int32](1)
	if err := k8s.Create(ctx, canary); err != nil {
		t.Fatal(err)
	}
	waitControl(t, key, "OVR-3", "meet-web-canary")
	// Foreground: the canary's pods are gone when the Deployment is.
	if err := k8s.Delete(ctx, canary, client.PropagationPolicy(metav1.DeletePropagationForeground)); err != nil {
		t.Fatal(err)
	}
	waitReady(t, key, 3*time.Minute)

	other := createNamespace(t, "tenant")
	pathType := networkingv1.PathTypeExact
	steal := &networkingv1.Ingress{}
	steal.Namespace, steal.Name = other, "steal-config"
	steal.Spec.Rules = []networkingv1.IngressRule{{Host: mp.Spec.Domain, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{Path: "/config.js", PathType: &pathType, Backend: networkingv1.IngressBackend{
			Service: &networkingv1.IngressServiceBackend{Name: "config", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}
	if err := k8s.Create(ctx, steal); err != nil {
		t.Fatal(err)
	}
	waitControl(t, key, "OVR-3", other+"/steal-config")
	if err := k8s.Delete(ctx, steal); err != nil {
		t.Fatal(err)
	}
	waitReady(t, key, 3*time.Minute)
}

// waitControl waits until the control fails with a message naming what.
func waitControl(t *testing.T, key client.ObjectKey, id, what string) {
	t.Helper()
	_, took := waitPlatform(t, key, time.Minute, id+" fails naming "+what, func(mp *v1alpha1.MeetingPlatform) error {
		if err := conditionIs(mp, v1alpha1.ConditionCompliant, "False"); err != nil {
			return err
		}
		for _, c := range mp.Status.Compliance.Controls {
			if c.ID == id && c.Result == v1alpha1.ResultFail && strings.Contains(c.Message, what) {
				return nil
			}
		}
		return fmt.Errorf("%s does not fail naming %s", id, what)
	})
	t.Logf("%s failed naming %s after %s", id, what, took.Round(10*time.Millisecond))
}
