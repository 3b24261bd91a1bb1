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

package render

import (
	"net"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/regions"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// fuzzInput is what FuzzRender draws a spec from.
type fuzzInput struct {
	name, domain, stun, regions, advertise, privacy string
	guests, loadBalancer, eu                        bool
	auth, replicas                                  uint8
	port                                            uint16
}

// FuzzRender renders specs built from random inputs twice: once as given (the renderer must
// not panic, and whatever it accepts must satisfy every invariant), and once made valid (it
// must accept it, satisfy every invariant, and render it identically twice). The seed corpus
// runs as a normal test.
func FuzzRender(f *testing.F) {
	f.Add("meet", "meet", false, uint8(0), "", uint8(1), false, uint16(0), false, "", "203.0.113.10", "https://example.eu/privacy")
	f.Add("conf", "conf", true, uint8(1), "stun.example.org,stun2.example.org:443", uint8(3), true, uint16(10000), true, "fsn1,nbg1", "", "https://example.org/p?a=1&b=2")
	f.Add("v", "video", true, uint8(2), "a", uint8(19), true, uint16(443), false, "eu-central-1", "2001:db8::1,198.51.100.1", "https://x.eu/'\"<>")
	f.Add("UPPER", "Bad Domain!", false, uint8(7), "stun:\n", uint8(255), false, uint16(65535), true, "a b,\x00", "not-an-ip", "javascript:alert(1)")
	f.Add(strings.Repeat("n", 80), strings.Repeat("d", 80), true, uint8(2), "stuns:", uint8(0), true, uint16(0), false, ",,,", ",", "")
	f.Fuzz(func(t *testing.T, name, domain string, guests bool, auth uint8, stun string, replicas uint8, loadBalancer bool, port uint16, eu bool, regions, advertise, privacy string) {
		in := fuzzInput{name, domain, stun, regions, advertise, privacy, guests, loadBalancer, eu, auth, replicas, port}

		raw := in.spec(false)
		if objs, err := Objects(settings.Defaulted(raw)); err == nil {
			for _, p := range invariants(raw, objs) {
				t.Errorf("accepted spec breaks an invariant: %s", p)
			}
		}

		valid := in.spec(true)
		objs, err := Objects(settings.Defaulted(valid))
		if err != nil {
			t.Fatalf("valid spec refused: %v\n%+v", err, valid.Spec)
		}
		for _, p := range invariants(valid, objs) {
			t.Error(p)
		}
		again, _ := Objects(settings.Defaulted(valid))
		if !equality.Semantic.DeepEqual(objs, again) {
			t.Fatal("two renders differ")
		}
	})
}

// spec builds a platform from the input; sanitized, every field is made valid.
func (in fuzzInput) spec(sanitized bool) *v1alpha1.MeetingPlatform {
	clean := func(s, fallback string, maxLen int) string {
		if !sanitized {
			return s
		}
		return dnsLabel(s, fallback, maxLen)
	}
	mp := minimal()
	mp.Name = clean(in.name, "meet", 40)
	mp.Spec.Domain = clean(in.domain, "meet", 50) + ".example.eu"
	mp.Spec.Access.Guests = in.guests
	mp.Spec.Components.Web.Replicas = int32(in.replicas)
	if sanitized {
		mp.Spec.Components.Web.Replicas = 1 + int32(in.replicas)%20
		mp.Spec.PrivacyPolicyURL = "https://example.eu/" + dnsLabel(in.privacy, "privacy", 60)
	} else if in.privacy != "" {
		mp.Spec.PrivacyPolicyURL = in.privacy
	}

	switch in.auth % 3 {
	case 1:
		mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationInternal, Guests: in.guests}
		if in.replicas%2 == 0 {
			mp.Spec.Access.Internal = &v1alpha1.InternalAuthSpec{AccountsClaimName: "accounts"}
		}
	case 2:
		mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationLDAP, Guests: in.guests, LDAP: &v1alpha1.LDAPSpec{
			URL: "ldaps://ldap.example.eu", BaseDN: "dc=example,dc=eu", BindSecretRef: v1alpha1.LocalObjectReference{Name: "bind"},
		}}
	}

	mp.Spec.Media = v1alpha1.MediaSpec{Type: v1alpha1.MediaServiceNodePort, Port: int32(in.port)}
	if in.loadBalancer {
		mp.Spec.Media.Type = v1alpha1.MediaServiceLoadBalancer
	}
	if sanitized && in.loadBalancer {
		mp.Spec.Media.Port = 1 + int32(in.port)%65535
	} else if sanitized {
		mp.Spec.Media.Port = 30000 + int32(in.port)%2768
	}
	for _, a := range splitList(in.advertise) {
		if !sanitized || net.ParseIP(a) != nil {
			mp.Spec.Media.AdvertiseAddresses = append(mp.Spec.Media.AdvertiseAddresses, a)
		}
	}

	if in.eu {
		mp.Spec.Placement.Jurisdiction = v1alpha1.JurisdictionEU
	}
	jurisdiction := regions.Jurisdiction(settings.Defaulted(mp).Spec.Placement.Jurisdiction)
	for _, r := range splitList(in.regions) {
		r = clean(r, "region", 63)
		// A region the catalog places outside the jurisdiction ("ash", "lon1") is refused.
		if outside, _ := regions.LabelOutside(jurisdiction, r); sanitized && outside {
			continue
		}
		mp.Spec.Placement.AllowedRegions = append(mp.Spec.Placement.AllowedRegions, r)
	}
	for i, s := range splitList(in.stun) {
		if sanitized {
			s = "stun:" + dnsLabel(s, "stun", 60) + ".example.eu"
			if i >= 8 {
				break
			}
		}
		mp.Spec.STUN.Servers = append(mp.Spec.STUN.Servers, s)
	}
	return mp
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// dnsLabel keeps the lower-case letters and digits of s, starting with a letter, at most
// maxLen long; fallback when nothing is left.
func dnsLabel(s, fallback string, maxLen int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9' && b.Len() > 0) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" {
		return fallback
	}
	return out[:min(len(out), maxLen)]
}
