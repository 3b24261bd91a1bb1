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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

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
