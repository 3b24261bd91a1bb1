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

// Unit tests of the pure parts of the API package. They need no API server.

package v1alpha1

import (
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

func TestURL(t *testing.T) {
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
			mp := &MeetingPlatform{Spec: MeetingPlatformSpec{Domain: tt.domain}}
			if got := mp.URL(); got != tt.want {
				t.Errorf("URL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTLSSecretName(t *testing.T) {
	tests := []struct {
		name string
		tls  TLSSpec
		want string
	}{
		{
			name: "a user-supplied Secret is used as it is",
			tls:  TLSSpec{SecretName: "meet-example-eu-tls"},
			want: "meet-example-eu-tls",
		},
		{
			name: "an issuerRef means the Certificate writes into <name>-tls",
			tls:  TLSSpec{IssuerRef: &IssuerReference{Name: "letsencrypt", Kind: "ClusterIssuer"}},
			want: "meet-tls",
		},
		{
			name: "secretName wins if both are set (the API server refuses that object)",
			tls:  TLSSpec{SecretName: "own", IssuerRef: &IssuerReference{Name: "letsencrypt"}},
			want: "own",
		},
		{
			name: "neither set gives no name (the API server refuses that object)",
			tls:  TLSSpec{},
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := &MeetingPlatform{
				ObjectMeta: metav1.ObjectMeta{Name: "meet", Namespace: "video"},
				Spec:       MeetingPlatformSpec{TLS: tt.tls},
			}
			if got := mp.TLSSecretName(); got != tt.want {
				t.Errorf("TLSSecretName() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestGoDefaultsMatchCRD keeps the Go constants the reconciler uses in step with the defaults
// the API server applies (the +default markers, as generated into the CRD).
func TestGoDefaultsMatchCRD(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "meetwarden.io_meetingplatforms.yaml"))
	if err != nil {
		t.Fatalf("reading the generated CRD: %v", err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema schemaNode `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatalf("parsing the generated CRD: %v", err)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("the CRD has %d versions, want 1", len(crd.Spec.Versions))
	}
	root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema

	tests := []struct {
		path []string
		want any
	}{
		{[]string{"spec", "compliance", "mode"}, string(ComplianceModeEnforce)},
		{[]string{"spec", "media", "type"}, string(MediaServiceNodePort)},
		{[]string{"spec", "placement", "jurisdiction"}, string(JurisdictionEEA)},
		{[]string{"spec", "placement", "regionLabel"}, DefaultRegionLabel},
		{[]string{"spec", "access", "authentication"}, string(AuthenticationJWT)},
		{[]string{"spec", "image", "registry"}, DefaultImageRegistry},
		{[]string{"spec", "image", "tag"}, DefaultImageTag},
	}
	for _, tt := range tests {
		node := root
		for _, p := range tt.path {
			child, ok := node.Properties[p]
			if !ok {
				t.Fatalf("the CRD has no field %v", tt.path)
			}
			node = child
		}
		if node.Default != tt.want {
			t.Errorf("default of %v is %#v in the CRD, want %#v as in the Go constant", tt.path, node.Default, tt.want)
		}
	}
}

// schemaNode is the part of an OpenAPI schema TestGoDefaultsMatchCRD reads.
type schemaNode struct {
	Default    any                   `json:"default"`
	Properties map[string]schemaNode `json:"properties"`
}

func TestSchemeRegistersBothKinds(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []runtime.Object{&MeetingPlatform{}, &MeetingPlatformList{}} {
		gvks, _, err := s.ObjectKinds(obj)
		if err != nil {
			t.Fatal(err)
		}
		if len(gvks) != 1 || gvks[0].GroupVersion() != GroupVersion {
			t.Errorf("%T registered as %v, want %v", obj, gvks, GroupVersion)
		}
	}
	if GroupVersion.String() != "meetwarden.io/v1alpha1" {
		t.Errorf("GroupVersion = %s", GroupVersion)
	}
}

// TestDeepCopyIsIndependent guards the generated deepcopy: the reconciler mutates copies of
// cached objects, which must never write through into the cache.
func TestDeepCopyIsIndependent(t *testing.T) {
	orig := &MeetingPlatform{
		ObjectMeta: metav1.ObjectMeta{Name: "meet", Labels: map[string]string{"a": "b"}},
		Spec: MeetingPlatformSpec{
			TLS:       TLSSpec{IssuerRef: &IssuerReference{Name: "letsencrypt"}},
			Media:     MediaSpec{AdvertiseAddresses: []string{"203.0.113.10"}},
			Placement: PlacementSpec{AllowedRegions: []string{"fsn1"}},
			Access:    AccessSpec{JWT: &JWTSpec{AppID: "app"}},
			STUN:      STUNSpec{Servers: []string{"stun:stun.example.eu"}},
		},
		Status: MeetingPlatformStatus{
			Conditions: []metav1.Condition{{Type: ConditionReady}},
			Compliance: &ComplianceStatus{Controls: []ControlStatus{{ID: "TLS-1"}}},
		},
	}
	cp := orig.DeepCopy()
	cp.Labels["a"] = "changed"
	cp.Spec.TLS.IssuerRef.Name = "changed"
	cp.Spec.Media.AdvertiseAddresses[0] = "changed"
	cp.Spec.Placement.AllowedRegions[0] = "changed"
	cp.Spec.Access.JWT.AppID = "changed"
	cp.Spec.STUN.Servers[0] = "changed"
	cp.Status.Conditions[0].Type = "changed"
	cp.Status.Compliance.Controls[0].ID = "changed"

	for name, v := range map[string]string{
		"labels":             orig.Labels["a"],
		"issuerRef":          orig.Spec.TLS.IssuerRef.Name,
		"advertiseAddresses": orig.Spec.Media.AdvertiseAddresses[0],
		"allowedRegions":     orig.Spec.Placement.AllowedRegions[0],
		"jwt":                orig.Spec.Access.JWT.AppID,
		"stun":               orig.Spec.STUN.Servers[0],
		"conditions":         orig.Status.Conditions[0].Type,
		"controls":           orig.Status.Compliance.Controls[0].ID,
	} {
		if v == "changed" {
			t.Errorf("changing the copy's %s changed the original", name)
		}
	}
}
