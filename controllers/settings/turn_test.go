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

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// The relay forwards to what the bridges announce, the discovered addresses included, but
// never into a special range: allowed-peer-ip outranks every deny line, on every port.
func TestTheRelayForwardsOnlyToTheBridgesPublicAddresses(t *testing.T) {
	mp := Defaulted(fixtures.ThreeBridges())
	mp.Spec.TURN = &v1alpha1.TURNSpec{Own: &v1alpha1.OwnTURNSpec{}}
	discovered := MediaInputs{LoadBalancerIPs: map[string][]string{
		"meet-jvb":   {"198.51.100.20"},
		"meet-jvb-1": {"198.51.100.21", "10.0.0.7", "2001:db8::21"},
		"meet-jvb-2": {"198.51.100.20", "fd00::7", "192.168.1.4", "::ffff:172.16.0.9"},
	}}
	got := TURNPeers(mp, discovered)
	want := []string{"198.51.100.20", "198.51.100.21", "2001:db8::21"}
	if !slices.Equal(got, want) {
		t.Errorf("TURNPeers = %v, want %v: each bridge's public address once, no private one", got, want)
	}

	if got := TURNPeers(mp, MediaInputs{}); len(got) != 0 {
		t.Errorf("TURNPeers with nothing discovered = %v, want none", got)
	}

	mp.Spec.Media.AdvertiseAddresses = []string{fixtures.PublicAddress, "100.64.0.1"}
	if got := TURNPeers(mp, discovered); !slices.Equal(got, []string{fixtures.PublicAddress}) {
		t.Errorf("TURNPeers with advertiseAddresses = %v, want only %s: the spec wins, its CGNAT address is not relayed to", got, fixtures.PublicAddress)
	}
	var allowed []string
	for _, o := range TURNConfig(mp, discovered) {
		if o.Name == TURNOptionAllowedPeer {
			allowed = append(allowed, o.Value)
		}
	}
	if !slices.Equal(allowed, []string{fixtures.PublicAddress}) {
		t.Errorf("allowed-peer-ip lines %v, want exactly %s", allowed, fixtures.PublicAddress)
	}
}

func TestEverySpecialRangeIsRecognised(t *testing.T) {
	for _, r := range TURNSpecialRanges {
		for _, ip := range []string{r.From, r.To} {
			if ip != "" && !InTURNSpecialRange(ip) {
				t.Errorf("%s, an end of %s (%s), is not recognised as special", ip, r, r.Why)
			}
		}
	}
	for _, ip := range []string{"203.0.113.10", "198.51.100.1", "2001:db8::1", "9.9.9.9"} {
		if InTURNSpecialRange(ip) {
			t.Errorf("%s is taken for a special address", ip)
		}
	}
	if !InTURNSpecialRange("not-an-ip") {
		t.Error("an unparsable address must count as special (never allowed)")
	}
}
