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
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// routeAround is a way to serve the platform's users from something that is not the
// operator's: made by someone with rights in the namespace (or, for a domain's Ingress, in any
// namespace). envtest has no controller-manager, so the test writes the ReplicaSets and pods
// the Deployment controller would.
type routeAround struct {
	name    string
	control settings.ControlID
	// mentions are what the control's message must name.
	mentions []string
	// do makes the route and returns what undoes it.
	do func(t *testing.T, mp *v1alpha1.MeetingPlatform) (undo func())
}

func routeArounds() []routeAround {
	return []routeAround{
		{name: "a canary Deployment whose pods the web Service selects", control: settings.OVR3,
			mentions: []string{"ReplicaSet canary-rs", "Deployment canary", "Service meet-web"},
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) func() {
				labels := settings.SelectorLabels(mp, string(settings.Web))
				d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "canary", Namespace: mp.Namespace}, Spec: appsv1.DeploymentSpec{
					Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{
						{Name: "web", Image: "jitsi/web:stable-11146-2", Env: []corev1.EnvVar{{Name: "ENABLE_RECORDING", Value: "true"}}}}}},
				}}
				mustCreate(t, d)
				rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "canary-rs", Namespace: mp.Namespace, Labels: labels,
					OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", d)}},
					Spec: appsv1.ReplicaSetSpec{Selector: d.Spec.Selector, Template: d.Spec.Template}}
				mustCreate(t, rs)
				pod := podOf(mp, "canary-rs-x1", labels, controllerRef("apps/v1", "ReplicaSet", rs))
				mustCreate(t, pod)
				return func() { mustDelete(t, pod, rs, d) }
			}},
		{name: "a bare pod with the web labels", control: settings.OVR3,
			mentions: []string{"Pod debug", "Service meet-web", "no controller"},
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) func() {
				pod := podOf(mp, "debug", settings.SelectorLabels(mp, string(settings.Web)))
				mustCreate(t, pod)
				return func() { mustDelete(t, pod) }
			}},
		{name: "a hand-made EndpointSlice for the web Service", control: settings.OVR3,
			mentions: []string{"EndpointSlice meet-web-elsewhere", "203.0.113.9"},
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) func() {
				slice := &discoveryv1.EndpointSlice{
					ObjectMeta:  metav1.ObjectMeta{Name: "meet-web-elsewhere", Namespace: mp.Namespace, Labels: map[string]string{discoveryv1.LabelServiceName: "meet-web"}},
					AddressType: discoveryv1.AddressTypeIPv4, Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"203.0.113.9"}}},
					Ports: []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](80)}},
				}
				mustCreate(t, slice)
				return func() { mustDelete(t, slice) }
			}},
		{name: "an Ingress in another namespace with /config.js for the domain", control: settings.OVR3,
			mentions: []string{"Ingress", "/steal-config", "routes meet."},
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) func() {
				other := newNamespace(t)
				ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "steal-config", Namespace: other}, Spec: networkingv1.IngressSpec{
					Rules: []networkingv1.IngressRule{{Host: mp.Spec.Domain, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
						Paths: []networkingv1.HTTPIngressPath{{Path: "/config.js", PathType: ptr.To(networkingv1.PathTypeExact), Backend: networkingv1.IngressBackend{
							Service: &networkingv1.IngressServiceBackend{Name: "evil", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}}}
				mustCreate(t, ing)
				return func() { mustDelete(t, ing) }
			}},
		{name: "a command written under the operator's own field-manager name", control: settings.OVR2,
			mentions: []string{"Deployment meet-web", "command: added"},
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) func() {
				change := func(command []string) {
					d, err := liveDeployment(mp, settings.Web)
					if err != nil {
						t.Fatal(err)
					}
					d.Spec.Template.Spec.Containers[0].Command = command
					if err := k8s.Update(context.Background(), d, client.FieldOwner(apply.FieldOwner)); err != nil {
						t.Fatal(err)
					}
				}
				change([]string{"/bin/sh", "-c", "sed -i s/false/true/ /config/config.js; exec /init"})
				return func() { change(nil) }
			}},
	}
}

// TestRouteAroundsTurnCompliantFalseInBothModes: each way around the operator's objects that
// issue 11 tried turns Compliant False naming the object, and Compliant returns to True once
// it is undone. In Enforce mode the template change is reverted instead; the foreign objects
// are reported in both modes and never deleted.
func TestRouteAroundsTurnCompliantFalseInBothModes(t *testing.T) {
	startManager(t)
	for _, mode := range []v1alpha1.ComplianceMode{v1alpha1.ComplianceModeAudit, v1alpha1.ComplianceModeEnforce} {
		mp := convergedPlatform(t, mode)
		eventually(t, "Compliant is True before", func() error { return conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionTrue) })
		for _, tc := range routeArounds() {
			t.Run(string(mode)+": "+tc.name, func(t *testing.T) {
				undo := tc.do(t, mp)
				if mode == v1alpha1.ComplianceModeEnforce && tc.control == settings.OVR2 {
					eventually(t, "the template change is reverted", func() error {
						if d, err := liveDeployment(mp, settings.Web); err != nil || len(d.Spec.Template.Spec.Containers[0].Command) > 0 {
							return fmt.Errorf("still changed (err %w)", err)
						}
						return eventFor(mp, v1alpha1.EventDriftReverted, "command")
					})
					return
				}
				eventually(t, "Compliant turns False naming it", func() error { return controlFails(mp, tc.control, tc.mentions) })
				undo()
				eventually(t, "Compliant returns to True", func() error { return conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionTrue) })
			})
		}
	}
}

// controlFails checks that the platform reports the control failing with a message naming
// every mention, and Compliant False.
func controlFails(mp *v1alpha1.MeetingPlatform, id settings.ControlID, mentions []string) error {
	if err := conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionFalse); err != nil {
		return err
	}
	return controlIs(mp, id, v1alpha1.ResultFail, mentions...)
}

func controllerRef(apiVersion, kind string, owner client.Object) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: owner.GetName(), UID: owner.GetUID(), Controller: ptr.To(true)}
}

// podOf is a pod with the labels, controlled by the owners given.
func podOf(mp *v1alpha1.MeetingPlatform, name string, labels map[string]string, owners ...metav1.OwnerReference) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: mp.Namespace, Labels: labels, OwnerReferences: owners},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "jitsi/web:stable-11146-2"}}},
	}
}

func mustCreate(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
}

func mustDelete(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, obj := range objs {
		if err := k8s.Delete(context.Background(), obj, client.GracePeriodSeconds(0)); client.IgnoreNotFound(err) != nil {
			t.Fatal(err)
		}
	}
}
