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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// editBridge changes the live Deployment of one bridge by name.
func editBridge(name string, edit func(*appsv1.Deployment)) func(*Snapshot) {
	return func(s *Snapshot) {
		d := s.deploymentNamed(name)
		if d == nil {
			panic("no Deployment " + name)
		}
		edit(d)
	}
}

// setBridgeEnv sets a literal variable on one bridge's container.
func setBridgeEnv(name, variable, value string) func(*Snapshot) {
	return editBridge(name, func(d *appsv1.Deployment) {
		c := mainContainer(d, settings.JVB)
		c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == variable })
		c.Env = append(c.Env, corev1.EnvVar{Name: variable, Value: value})
	})
}

// Every control judges every bridge, not only the first: each case tampers with a bridge
// other than <name>-jvb.
var bridgeTampering = []tamperCase{
	{name: "a private address advertised by the third bridge fails EU-3", control: "EU-3",
		mentions: []string{"Deployment meet-jvb-2", "10.0.0.5"},
		mutate:   setBridgeEnv("meet-jvb-2", settings.AdvertiseVariable, "10.0.0.5")},
	{name: "relays switched off on the second bridge fail ACC-4", control: "ACC-4",
		mentions: []string{"Deployment meet-jvb-1", settings.OctoVariable},
		mutate:   setBridgeEnv("meet-jvb-1", settings.OctoVariable, settings.False)},
	{name: "a third-party STUN server on the second bridge fails TEL-3", control: "TEL-3",
		mentions: []string{"Deployment meet-jvb-1", "stun.example.com:3478"},
		mutate:   setBridgeEnv("meet-jvb-1", settings.STUNVariable, "stun.example.com:3478")},
	{name: "a foreign mount on the third bridge fails OVR-1", control: "OVR-1",
		mentions: []string{"Deployment meet-jvb-2", "/config/custom-jvb.conf"},
		mutate: editBridge("meet-jvb-2", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes, corev1.Volume{Name: "evil", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "evil"}}}})
			c := mainContainer(d, settings.JVB)
			for i := range c.VolumeMounts {
				if c.VolumeMounts[i].MountPath == "/config/custom-jvb.conf" {
					c.VolumeMounts[i].Name = "evil"
				}
			}
		})},
	{name: "a missing second bridge fails ACC-4 naming it", control: "ACC-4",
		mentions: []string{"Deployment meet-jvb-1 does not exist"},
		mutate: func(s *Snapshot) {
			s.Deployments = slices.DeleteFunc(s.Deployments, func(d appsv1.Deployment) bool { return d.Name == "meet-jvb-1" })
		}},
	{name: "a policy that opens the third bridge's private HTTP port to all namespaces fails ACC-4", control: "ACC-4",
		mentions: []string{"NetworkPolicy meet-bridge-2-debug", "8080/TCP", "pods in any namespace"},
		mutate: func(s *Snapshot) {
			s.NetworkPolicies = append(s.NetworkPolicies, networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "meet-bridge-2-debug", Namespace: s.Platform.Namespace},
				Spec: networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{settings.BridgeLabel: "2"}},
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{
						From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}},
						Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(8080))}},
					}},
				},
			})
		}},
	{name: "a foreign Deployment behind the second bridge's Service fails OVR-3", control: "OVR-3",
		mentions: []string{"meet-jvb-1-shadow", "Service meet-jvb-1"},
		mutate: func(s *Snapshot) {
			d := s.deploymentNamed("meet-jvb-1").DeepCopy()
			d.Name, d.UID, d.OwnerReferences = "meet-jvb-1-shadow", "uid-shadow", nil
			s.Deployments = append(s.Deployments, *d)
			rs := replicaSetOf(d)
			s.ReplicaSets = append(s.ReplicaSets, rs)
			s.Pods = append(s.Pods, podOf(&rs, "sh4d0", "eu-node-2"))
			s.EndpointSlices = endpointSlicesFor(s)
		}},
	{name: "the second bridge without its node affinity fails EU-1", control: "EU-1",
		mentions: []string{"meet-jvb-1"},
		mutate:   editBridge("meet-jvb-1", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Affinity = nil })},
}

func TestTamperingWithAnyBridgeIsCaught(t *testing.T) {
	for _, tc := range bridgeTampering {
		t.Run(tc.name, func(t *testing.T) {
			assertCaught(t, passing(t, "three bridges", fixtures.ThreeBridges), tc)
		})
	}
}

func TestABridgeBeyondTheReplicasIsNotTheOperators(t *testing.T) {
	s := passing(t, "three bridges", fixtures.ThreeBridges)
	s.Platform.Spec.Components.JVB.Replicas = 2
	if _, ok := s.isOperatorComponent(s.deploymentNamed("meet-jvb-2")); ok {
		t.Error("meet-jvb-2 counts as the operator's videobridge although the spec asks for two bridges")
	}
	if c, ok := s.isOperatorComponent(s.deploymentNamed("meet-jvb-1")); !ok || c != settings.JVB {
		t.Errorf("meet-jvb-1 is not recognised as the operator's videobridge (%q, %v)", c, ok)
	}
}
