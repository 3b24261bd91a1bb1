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
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// passing snapshots are built once per spec; every test works on a deep copy.
var (
	passingOnce sync.Map // spec name -> *Snapshot
)

func passing(t testing.TB, name string, spec func() *v1alpha1.MeetingPlatform) *Snapshot {
	t.Helper()
	if s, ok := passingOnce.Load(name); ok {
		return deepCopy(s.(*Snapshot))
	}
	s := snapshotFor(t, spec())
	passingOnce.Store(name, s)
	return deepCopy(s)
}

func passingJWT(t testing.TB) *Snapshot { return passing(t, "jwt", jwtPlatform) }

// specs are the representative platforms every passing test runs on.
var specs = []struct {
	name string
	spec func() *v1alpha1.MeetingPlatform
}{
	{"JWT, NodePort media, TLS Secret, EEA catalog", jwtPlatform},
	{"internal accounts, guests, own STUN servers, EU catalog, two web replicas", internalSTUNPlatform},
	{"LDAP, load-balanced media, cert-manager, explicit regions, sovereign providers", ldapPlatform},
	{"JWT on a Gateway's HTTPS listener, redirected on its HTTP listener", gatewayPlatform},
	{"three videobridges behind load balancers, relays between them", fixtures.ThreeBridges},
	{"JWT on Traefik, redirect and headers by Middlewares", traefikPlatform},
	{"OIDC with moderator and allowed groups, public client", oidcPlatform},
	{"OIDC with a confidential client, issuer on port 8443", oidcConfidentialPlatform},
	{"OIDC on a Gateway: the route's /oidc/ rule goes to the bridge", oidcGatewayPlatform},
	{ownTURNSpec, turnPlatform},
	{"three videobridges on node ports and an own TURN relay that reaches each of them", threeBridgesTURNPlatform},
}

func resultOf(results []v1alpha1.ControlStatus, id string) v1alpha1.ControlStatus {
	for _, r := range results {
		if r.ID == id {
			return r
		}
	}
	return v1alpha1.ControlStatus{}
}

func TestEveryControlPassesOnTheRenderedPlatform(t *testing.T) {
	for _, tc := range specs {
		t.Run(tc.name, func(t *testing.T) {
			s := passing(t, tc.name, tc.spec)
			results := Evaluate(s)
			if len(results) != len(Profile) {
				t.Fatalf("got %d results, want one per control (%d)", len(results), len(Profile))
			}
			for i, r := range results {
				if r.ID != string(Profile[i].ID) {
					t.Errorf("result %d is %s, want %s (profile order)", i, r.ID, Profile[i].ID)
				}
				if r.Result != v1alpha1.ResultPass {
					t.Errorf("%s is %s: %s", r.ID, r.Result, r.Message)
				}
				if r.Severity != Profile[i].Severity {
					t.Errorf("%s has severity %s, want %s", r.ID, r.Severity, Profile[i].Severity)
				}
				if r.Message == "" || strings.ContainsAny(r.Message, "\n\r") {
					t.Errorf("%s message %q is not one non-empty line", r.ID, r.Message)
				}
			}
		})
	}
}

func TestPassingMessagesNameNoPod(t *testing.T) {
	for _, tc := range specs {
		s := passing(t, tc.name, tc.spec)
		for _, r := range Evaluate(s) {
			for _, p := range s.Pods {
				if strings.Contains(r.Message, p.Name) {
					t.Errorf("%s: %s message names pod %s: %s", tc.name, r.ID, p.Name, r.Message)
				}
			}
		}
	}
}

func TestEvaluationIsDeterministic(t *testing.T) {
	s := passingJWT(t)
	first, second := Evaluate(s), Evaluate(deepCopy(s))
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("two evaluations of the same snapshot differ:\n%v\n%v", first, second)
	}
	if a, b := ProcessingRecord(s, first), ProcessingRecord(deepCopy(s), second); a != b {
		t.Fatal("two processing records of the same evaluation differ")
	}

	// A failing snapshot is deterministic too, including the order of its findings.
	broken := deepCopy(s)
	for _, tc := range tampering {
		func() {
			defer func() { _ = recover() }() // a case may not apply after an earlier one removed its object
			tc.mutate(broken)
		}()
	}
	a, b := Evaluate(broken), Evaluate(deepCopy(broken))
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two evaluations of the same broken snapshot differ:\n%v\n%v", a, b)
	}
	if ProcessingRecord(broken, a) != ProcessingRecord(deepCopy(broken), b) {
		t.Fatal("two processing records of the same broken evaluation differ")
	}
}

func TestEvaluateDoesNotChangeTheSnapshot(t *testing.T) {
	s := passingJWT(t)
	before := deepCopy(s)
	Evaluate(s)
	ProcessingRecord(s, Evaluate(s))
	if !reflect.DeepEqual(before, s) {
		t.Fatal("Evaluate modified its snapshot")
	}
}

func TestRemediationIsFilledForNonPassingResults(t *testing.T) {
	s := passingJWT(t)
	s.TLSSecret = nil
	r := resultOf(Evaluate(s), "TLS-2")
	if r.Result != v1alpha1.ResultFail || r.Remediation == "" {
		t.Fatalf("TLS-2 = %+v, want Fail with a remediation", r)
	}
}

func TestEvaluateWithoutPlatformFailsEveryControl(t *testing.T) {
	for _, r := range Evaluate(&Snapshot{}) {
		if r.Result != v1alpha1.ResultFail {
			t.Errorf("%s is %s without a platform", r.ID, r.Result)
		}
	}
}

func TestProfileMatchesTheContract(t *testing.T) {
	want := []string{"TLS-1", "TLS-2", "TLS-3", "TLS-4", "REC-1", "REC-2", "REC-3", "TEL-1", "TEL-2", "TEL-3", "TEL-4",
		"EU-1", "EU-2", "EU-3", "EU-4", "ACC-1", "ACC-2", "ACC-3", "ACC-4", "ACC-5", "ACC-6", "MIN-1", "MIN-2", "MIN-3", "TRN-1", "TRN-2", "OVR-1", "OVR-2", "OVR-3", "OVR-4", "E2E-1"}
	var got []string
	families := map[string]bool{"OVR": true}
	for _, f := range settings.Families {
		families[string(f.Family)] = true
	}
	for _, c := range Profile {
		got = append(got, string(c.ID))
		if !families[string(c.Family)] {
			t.Errorf("%s is in unknown family %q", c.ID, c.Family)
		}
		if c.Title == "" || c.Remediation == "" || c.Check == nil || c.Severity == "" {
			t.Errorf("%s lacks a title, remediation, severity or check", c.ID)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("profile IDs = %v, want %v", got, want)
	}
	var order []string
	for _, f := range settings.Families {
		order = append(order, string(f.Family)+"="+f.Condition)
	}
	wantFamilies := []string{"TLS=TransportEncrypted", "REC=RecordingDisabled", "TEL=TelemetryDisabled", "EU=DataResidency",
		"ACC=AccessRestricted", "MIN=DataMinimised", "TRN=Transparent"}
	if !reflect.DeepEqual(order, wantFamilies) {
		t.Errorf("families = %v, want %v", order, wantFamilies)
	}
}

func TestFamilyResult(t *testing.T) {
	results := []v1alpha1.ControlStatus{
		{ID: "TLS-1", Result: v1alpha1.ResultPass},
		{ID: "TLS-2", Result: v1alpha1.ResultWarn},
		{ID: "E2E-1", Result: v1alpha1.ResultFail, Message: "e2ee off"},
		{ID: "REC-1", Result: v1alpha1.ResultFail},
		{ID: "OVR-1", Result: v1alpha1.ResultFail},
		{ID: "EU-1", Result: v1alpha1.ResultPass},
	}
	cases := []struct {
		family  settings.Family
		ok      bool
		failing []string
	}{
		{"TLS", false, []string{"E2E-1"}}, // E2E-1 is reported under TransportEncrypted; a Warn does not fail
		{"REC", false, []string{"REC-1"}},
		{"OVR", false, []string{"OVR-1"}},
		{"EU", true, nil},
		{"TRN", true, nil},
	}
	for _, c := range cases {
		ok, failing := FamilyResult(results, c.family)
		var ids []string
		for _, f := range failing {
			ids = append(ids, f.ID)
		}
		if ok != c.ok || !reflect.DeepEqual(ids, c.failing) {
			t.Errorf("FamilyResult(%s) = %v %v, want %v %v", c.family, ok, ids, c.ok, c.failing)
		}
	}
}
