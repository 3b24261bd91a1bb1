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
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

func TestPublicURL(t *testing.T) {
	tests := []struct {
		name   string
		domain string
		want   string
	}{
		{"the URL is https:// followed by the domain", "meet.example.eu", "https://meet.example.eu"},
		{"a sub-domain is kept whole", "video.meet-01.example.eu", "https://video.meet-01.example.eu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := &v1alpha1.MeetingPlatform{Spec: v1alpha1.MeetingPlatformSpec{Domain: tt.domain}}
			if got := PublicURL(mp); got != tt.want {
				t.Errorf("PublicURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTLSSecretName(t *testing.T) {
	tests := []struct {
		name string
		tls  v1alpha1.TLSSpec
		want string
	}{
		{
			name: "a user-supplied Secret is used as it is",
			tls:  v1alpha1.TLSSpec{SecretName: "meet-example-eu-tls"},
			want: "meet-example-eu-tls",
		},
		{
			name: "an issuerRef means the Certificate writes into <name>-tls",
			tls:  v1alpha1.TLSSpec{IssuerRef: &v1alpha1.IssuerReference{Name: "letsencrypt", Kind: "ClusterIssuer"}},
			want: "meet-tls",
		},
		{
			name: "secretName wins if both are set (the API server refuses that object)",
			tls:  v1alpha1.TLSSpec{SecretName: "own", IssuerRef: &v1alpha1.IssuerReference{Name: "letsencrypt"}},
			want: "own",
		},
		{
			name: "neither set gives the Certificate's name (the API server refuses that object)",
			tls:  v1alpha1.TLSSpec{},
			want: "meet-tls",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := &v1alpha1.MeetingPlatform{
				ObjectMeta: metav1.ObjectMeta{Name: "meet", Namespace: "video"},
				Spec:       v1alpha1.MeetingPlatformSpec{TLS: tt.tls},
			}
			if got := TLSSecretName(mp); got != tt.want {
				t.Errorf("TLSSecretName() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNodeAllowed(t *testing.T) {
	node := func(region, providerID string) *corev1.Node {
		return &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{corev1.LabelTopologyRegion: region}},
			Spec:       corev1.NodeSpec{ProviderID: providerID},
		}
	}
	platform := func(mutate func(*v1alpha1.PlacementSpec)) *v1alpha1.MeetingPlatform {
		mp := &v1alpha1.MeetingPlatform{ObjectMeta: metav1.ObjectMeta{Name: "meet"}}
		if mutate != nil {
			mutate(&mp.Spec.Placement)
		}
		return Defaulted(mp)
	}
	tests := []struct {
		name      string
		placement func(*v1alpha1.PlacementSpec)
		node      *corev1.Node
		allowed   bool
		reason    string
	}{
		{"an AWS node in Frankfurt lies in the EEA", nil, node("eu-central-1", "aws:///eu-central-1a/i-1"), true, ""},
		{"an AWS node in Virginia does not", nil, node("us-east-1", "aws:///us-east-1a/i-1"), false, "us-east-1"},
		{"AWS eu-central-2 is Zurich, outside the EEA", nil, node("eu-central-2", "aws:///eu-central-2a/i-1"), false, "eu-central-2"},
		{"a node without a region label is refused", nil, node("", ""), false, ""},
		{"an explicit region list admits a region the catalog does not know", func(p *v1alpha1.PlacementSpec) { p.AllowedRegions = []string{"dc-1"} },
			node("dc-1", ""), true, ""},
		{"an explicit region list cannot admit an AWS node in Virginia", func(p *v1alpha1.PlacementSpec) { p.AllowedRegions = []string{"eu-central-1", "us-east-1"} },
			node("us-east-1", "aws:///us-east-1a/i-1"), false, "outside the EEA"},
		{"with sovereign providers an AWS region in the EU is refused", func(p *v1alpha1.PlacementSpec) { p.SovereignProviders = true },
			node("eu-central-1", "aws:///eu-central-1a/i-1"), false, ""},
		{"with sovereign providers a Hetzner node in Germany is allowed", func(p *v1alpha1.PlacementSpec) { p.SovereignProviders = true },
			node("fsn1", "hcloud://123"), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := NodeAllowed(platform(tt.placement), tt.node)
			if ok != tt.allowed || (ok && reason != "") || (!ok && reason == "") || !strings.Contains(reason, tt.reason) {
				t.Errorf("NodeAllowed = %v, %q; want %v with a reason naming %q", ok, reason, tt.allowed, tt.reason)
			}
		})
	}
}

func TestAllowedRegionsLeaveOutWhatTheCatalogPlacesOutside(t *testing.T) {
	mp := Defaulted(&v1alpha1.MeetingPlatform{ObjectMeta: metav1.ObjectMeta{Name: "meet"}})
	mp.Spec.Placement.AllowedRegions = []string{"us-east-1", "eu-central-1", "RegionOne", "eu-central-2", "eu-central-1"}
	if got, want := AllowedRegions(mp), []string{"RegionOne", "eu-central-1"}; !slices.Equal(got, want) {
		t.Errorf("AllowedRegions = %v, want %v: the node affinity must never admit a region the catalog places outside the jurisdiction", got, want)
	}
}
