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
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

func TestBridgesAreNumberedFromTheFirstOnesNameAndPort(t *testing.T) {
	mp := Defaulted(fixtures.Minimal())
	mp.Spec.Components.JVB.Replicas = 3
	got := Bridges(mp)
	want := []Bridge{{0, "meet-jvb", 30000}, {1, "meet-jvb-1", 30001}, {2, "meet-jvb-2", 30002}}
	if !slices.Equal(got, want) {
		t.Errorf("Bridges = %+v, want %+v", got, want)
	}
	if l := BridgeSelectorLabels(mp, got[0]); l[BridgeLabel] != "0" {
		t.Errorf("with several bridges the first one's pods are not told apart: %v", l)
	}
	if l := BridgeDeploymentSelector(mp, got[0]); l[BridgeLabel] != "" {
		t.Errorf("the first bridge's Deployment selector changed (it is immutable): %v", l)
	}
	mp.Spec.Components.JVB.Replicas = 1
	if l := BridgeSelectorLabels(mp, Bridges(mp)[0]); l[BridgeLabel] != "" {
		t.Errorf("a single bridge's pods carry %s, which earlier versions did not write", BridgeLabel)
	}
}

func TestAddressOf(t *testing.T) {
	node := func(name, region string, addresses ...corev1.NodeAddress) corev1.Node {
		return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelTopologyRegion: region}},
			Status: corev1.NodeStatus{Addresses: addresses}}
	}
	external := func(ip string) corev1.NodeAddress {
		return corev1.NodeAddress{Type: corev1.NodeExternalIP, Address: ip}
	}
	internal := func(ip string) corev1.NodeAddress {
		return corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: ip}
	}
	nodes := []corev1.Node{
		node("b", "eu-central-1", internal("10.0.0.2"), external("198.51.100.2")),
		node("a", "europe-west3", external("198.51.100.1"), external("not-an-ip")),
		node("us", "us-east-1", external("198.51.100.9")),
	}
	lb := &corev1.Service{Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{
		{Hostname: "lb.example.eu"}, {IP: "198.51.100.7"}, {IP: "198.51.100.7"}, {IP: "2001:db8::7"}}}}}

	tests := []struct {
		name   string
		media  v1alpha1.MediaSpec
		want   []string
		source v1alpha1.MediaAddressSource
	}{
		{"the spec's addresses win over everything discovered",
			v1alpha1.MediaSpec{Type: v1alpha1.MediaServiceLoadBalancer, Port: 10000, AdvertiseAddresses: []string{"203.0.113.1"}},
			[]string{"203.0.113.1"}, v1alpha1.MediaAddressFromSpec},
		{"a LoadBalancer advertises its load balancer's IPs, without host names or repeats",
			v1alpha1.MediaSpec{Type: v1alpha1.MediaServiceLoadBalancer, Port: 10000},
			[]string{"198.51.100.7", "2001:db8::7"}, v1alpha1.MediaAddressFromLoadBalancer},
		{"a NodePort advertises the ExternalIPs of the EU nodes, sorted, never a US node's",
			v1alpha1.MediaSpec{Type: v1alpha1.MediaServiceNodePort, Port: 30000},
			[]string{"198.51.100.1", "198.51.100.2"}, v1alpha1.MediaAddressFromNodeExternalIP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := Defaulted(fixtures.Minimal())
			mp.Spec.Media = tt.media
			b := Bridges(mp)[0]
			in := MediaInputs{LoadBalancerIPs: map[string][]string{b.Name: LoadBalancerIPs(lb)}, NodeExternalIPs: EligibleExternalIPs(mp, nodes)}
			got := AddressOf(mp, b, in)
			if !slices.Equal(got.Addresses, tt.want) || got.Source != tt.source {
				t.Errorf("AddressOf = %+v, want %v from %s", got, tt.want, tt.source)
			}
		})
	}
	t.Run("nothing known is no address and no source", func(t *testing.T) {
		mp := Defaulted(fixtures.Minimal())
		mp.Spec.Media.AdvertiseAddresses = nil
		if got := AddressOf(mp, Bridges(mp)[0], MediaInputs{}); len(got.Addresses) != 0 || got.Source != "" {
			t.Errorf("AddressOf = %+v, want nothing", got)
		}
	})
}
