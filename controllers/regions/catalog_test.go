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

package regions

import (
	"slices"
	"strings"
	"testing"
)

// Typical providerIDs, in the formats the providers' cloud controllers write.
const (
	awsID       = "aws:///eu-central-1a/i-0123456789abcdef0"
	gceID       = "gce://my-project/europe-west3-a/node-1"
	azureID     = "azure:///subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-0"
	ociID       = "oci://ocid1.instance.oc1.eu-frankfurt-1.abc"
	hcloudID    = "hcloud://12345678"
	scalewayID  = "scaleway://instance/fr-par-1/11111111-2222-3333-4444-555555555555"
	openstackID = "openstack:///11111111-2222-3333-4444-555555555555"
)

func TestJudgeKnownTraps(t *testing.T) {
	tests := []struct {
		name       string
		j          Jurisdiction
		providerID string
		region     string
		zone       string
		allowed    bool
	}{
		{"aws eu-central-2 is Zurich and is rejected for the EU", EU, awsID, "eu-central-2", "eu-central-2a", false},
		{"aws eu-central-2 is Zurich and is rejected for the EEA", EEA, awsID, "eu-central-2", "eu-central-2a", false},
		{"aws eu-west-2 is London and is rejected for the EU", EU, awsID, "eu-west-2", "eu-west-2b", false},
		{"aws eu-west-2 is London and is rejected for the EEA", EEA, awsID, "eu-west-2", "eu-west-2b", false},
		{"oci eu-jovanovac-1 is Serbia and is rejected for the EEA", EEA, ociID, "eu-jovanovac-1", "", false},
		{"oci eu-zurich-1 is Switzerland and is rejected for the EEA", EEA, ociID, "eu-zurich-1", "", false},
		{"gcp europe-west6 is Zurich and is rejected for the EEA", EEA, gceID, "europe-west6", "europe-west6-a", false},
		{"azure norwayeast is allowed for the EEA", EEA, azureID, "norwayeast", "norwayeast-1", true},
		{"azure norwayeast is rejected for the EU", EU, azureID, "norwayeast", "norwayeast-1", false},
		{"aws eu-central-1 is Frankfurt and is allowed for the EU", EU, awsID, "eu-central-1", "eu-central-1a", true},
		{"gcp europe-west3 is Frankfurt and is allowed for the EU", EU, gceID, "europe-west3", "europe-west3-a", true},
		{"hetzner fsn1 is Falkenstein and is allowed for the EU", EU, hcloudID, "fsn1", "fsn1-dc14", true},
		{"hetzner robot fsn1 is allowed for the EU", EU, "hrobot://1234", "fsn1", "fsn1-dc16", true},
		{"scaleway fr-par is Paris and is allowed for the EU", EU, scalewayID, "fr-par", "fr-par-1", true},
		{"hetzner ash is Ashburn and is rejected for the EEA", EEA, hcloudID, "ash", "ash-dc1", false},
		{"a known region of the wrong provider is not in the catalog", EU, hcloudID, "eu-central-1", "", false},
		{"a bare OCID node in eu-frankfurt-1 is allowed for the EU", EU, "ocid1.instance.oc1.eu-frankfurt-1.abc", "eu-frankfurt-1", "", true},
		{"stackit eu01 is not in the catalog because its country is unverified", EU, "stackit://abc", "eu01", "eu01-1", false},
		{"gcp europe-north3 is not in the catalog because its country is unverified", EEA, gceID, "europe-north3", "europe-north3-a", false},
		{"an unknown jurisdiction rejects even Frankfurt", Jurisdiction("eu"), awsID, "eu-central-1", "eu-central-1a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(tt.j, nil, tt.providerID, tt.region, tt.zone)
			if v.Allowed != tt.allowed {
				t.Fatalf("Judge(%s, nil, %q, %q, %q) = %+v, want Allowed=%v", tt.j, tt.providerID, tt.region, tt.zone, v, tt.allowed)
			}
			if v.Reason == "" || strings.Contains(v.Reason, "\n") {
				t.Fatalf("reason must be one non-empty line, got %q", v.Reason)
			}
		})
	}
}

func TestJudgeReasons(t *testing.T) {
	tests := []struct {
		name       string
		j          Jurisdiction
		override   []string
		providerID string
		region     string
		zone       string
		want       string
	}{
		{"a Swiss AWS region names city, country and jurisdiction", EEA, nil, awsID, "eu-central-2", "eu-central-2a",
			`region "eu-central-2" of provider aws is Zurich, CH: outside the EEA`},
		{"an allowed region says it is inside the jurisdiction", EU, nil, awsID, "eu-central-1", "eu-central-1a",
			`region "eu-central-1" of provider aws is Frankfurt, DE: inside the EU`},
		{"a region without a city in the sources names only the country", EU, nil, azureID, "westeurope", "westeurope-1",
			`region "westeurope" of provider azure is in NL: inside the EU`},
		{"a US AWS region names its location", EU, nil, awsID, "us-east-1", "us-east-1a",
			`region "us-east-1" of provider aws is N. Virginia, US: outside the EU`},
		{"an unknown pair says it is not in the catalog", EU, nil, hcloudID, "eu-central-1", "",
			`region "eu-central-1" of provider hetzner is not in the built-in catalog`},
		{"a catalog region missing from the list names its location", EU, []string{"eu-central-1"}, gceID, "europe-west3", "europe-west3-a",
			`region "europe-west3" of provider gcp is Frankfurt, DE: inside the EU, but not in spec.placement.allowedRegions`},
		{"a listed region the catalog places outside says the list cannot admit it", EEA, []string{"eu-central-1", "us-east-1"}, awsID, "us-east-1", "us-east-1a",
			`region "us-east-1" of provider aws is N. Virginia, US: outside the EEA; spec.placement.allowedRegions lists it, but cannot admit a region the catalog places outside the jurisdiction`},
		{"a listed catalog region inside the jurisdiction says both", EEA, []string{"eu-central-1"}, awsID, "eu-central-1", "eu-central-1a",
			`region "eu-central-1" of provider aws is Frankfurt, DE: inside the EEA, and in spec.placement.allowedRegions`},
		{"a listed region the catalog does not know is a user-asserted location", EEA, []string{"RegionOne"}, "", "RegionOne", "",
			`region "RegionOne" of a node with no providerID is not in the built-in catalog; allowed because spec.placement.allowedRegions lists "RegionOne" (a user-asserted location)`},
		{"an unknown region missing from the list says so", EEA, []string{"RegionOne"}, "", "RegionTwo", "",
			`region "RegionTwo" of a node with no providerID is not in the built-in catalog; spec.placement.allowedRegions does not list it either`},
		{"a node without providerID is judged by the label alone", EU, nil, "", "eu-central-2", "",
			`region "eu-central-2" of a node with no providerID (judged by the label alone) is Zurich, CH for provider aws: outside the EU`},
		{"a shared label lists every provider that uses it", EU, nil, "", "eu-de", "",
			`region "eu-de" of a node with no providerID (judged by the label alone: ibm Frankfurt, DE; otc Biere/Magdeburg, DE): inside the EU`},
		{"a node without region label says so", EU, nil, awsID, "", "",
			`node of provider aws has no region label: its location cannot be judged`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(tt.j, tt.override, tt.providerID, tt.region, tt.zone).Reason
			if got != tt.want {
				t.Fatalf("reason\n got: %s\nwant: %s", got, tt.want)
			}
			if again := Judge(tt.j, tt.override, tt.providerID, tt.region, tt.zone).Reason; again != got {
				t.Fatalf("reason is not deterministic: %q then %q", got, again)
			}
		})
	}
}

func TestJudgeWithoutKnownProvider(t *testing.T) {
	tests := []struct {
		name       string
		j          Jurisdiction
		providerID string
		region     string
		allowed    bool
	}{
		{"a node without providerID in fsn1 is allowed because only Hetzner uses fsn1", EU, "", "fsn1", true},
		{"a node without providerID in eu-central-2 is rejected", EEA, "", "eu-central-2", false},
		{"a kwok node in eu-west-2 is rejected", EEA, "kwok://node-1", "eu-west-2", false},
		{"a kwok node in europe-west3 is allowed", EU, "kwok://node-1", "europe-west3", true},
		{"an OpenStack node in GRA7 is allowed because the label is only OVH's", EU, openstackID, "GRA7", true},
		{"an OpenStack node in UK1 is rejected", EEA, openstackID, "UK1", false},
		{"an OpenStack node in eu-de is allowed because IBM and OTC both place it in Germany", EU, openstackID, "eu-de", true},
		{"an OpenStack node in RegionOne is rejected because the label is not in the catalog", EEA, openstackID, "RegionOne", false},
		{"a node without providerID in norwayeast is allowed for the EEA", EEA, "", "norwayeast", true},
		{"a node without providerID in norwayeast is rejected for the EU", EU, "", "norwayeast", false},
		{"label case matters: gra7 is not GRA7", EU, openstackID, "gra7", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(tt.j, nil, tt.providerID, tt.region, "")
			if v.Allowed != tt.allowed {
				t.Fatalf("Judge(%s, nil, %q, %q, \"\") = %+v, want Allowed=%v", tt.j, tt.providerID, tt.region, v, tt.allowed)
			}
		})
	}
}

// TestJudgeOverride: the catalog outranks spec.placement.allowedRegions. The list narrows the
// jurisdiction and names regions the catalog does not know; it never admits a region the
// catalog places outside.
func TestJudgeOverride(t *testing.T) {
	override := []string{"RegionOne", "eu-central-1", "us-east-1", "eu-central-2", "fsn1"}
	tests := []struct {
		name         string
		providerID   string
		region       string
		zone         string
		allowed      bool
		userAsserted bool
		reason       string
	}{
		{"an on-premises region listed in the list is allowed on the user's word", "", "RegionOne", "", true, true, "a user-asserted location"},
		{"a catalog EU region missing from the list is rejected", gceID, "europe-west3", "europe-west3-a", false, false, "not in spec.placement.allowedRegions"},
		{"a catalog EU region in the list is allowed by the catalog", awsID, "eu-central-1", "eu-central-1a", true, false, "inside the EU, and in spec.placement.allowedRegions"},
		{"a listed AWS us-east-1 node is rejected: the catalog places it in the US", "aws:///us-east-1a/i-1", "us-east-1", "us-east-1a", false, false, "N. Virginia, US: outside the EU"},
		{"a listed AWS eu-central-2 node is rejected: the catalog places it in Zurich", "aws:///eu-central-2a/i-1", "eu-central-2", "eu-central-2a", false, false, "Zurich, CH: outside the EU"},
		{"a listed us-east-1 node without providerID is rejected by its label", "", "us-east-1", "", false, false, "judged by the label alone"},
		{"a listed region of another provider that the catalog does not know is user-asserted", hcloudID, "eu-central-1", "", true, true, "user-asserted"},
		{"a listed Hetzner region is allowed by the catalog, not by the user", hcloudID, "fsn1", "fsn1-dc14", true, false, "Falkenstein, DE"},
		{"an empty region label is rejected even with a list", "", "", "", false, false, "has no region label"},
		{"a Local Zone of a listed region is rejected unless the zone is listed", awsID, "eu-central-1", "eu-central-1-ham-1a", false, false, "does not list it either"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(EU, override, tt.providerID, tt.region, tt.zone)
			if v.Allowed != tt.allowed || v.UserAsserted != tt.userAsserted || !strings.Contains(v.Reason, tt.reason) {
				t.Fatalf("Judge = %+v, want Allowed=%v UserAsserted=%v and a reason containing %q", v, tt.allowed, tt.userAsserted, tt.reason)
			}
		})
	}
	t.Run("an empty list falls back to the catalog", func(t *testing.T) {
		if v := Judge(EU, []string{}, awsID, "eu-central-2", "eu-central-2a"); v.Allowed {
			t.Fatalf("Judge with empty list = %+v, want the catalog to reject eu-central-2", v)
		}
	})
	t.Run("without a list nothing is user-asserted", func(t *testing.T) {
		for _, e := range catalog {
			if v := Judge(EEA, nil, "", e.Region, ""); v.UserAsserted {
				t.Errorf("Judge(EEA, nil, %q) = %+v", e.Region, v)
			}
		}
	})
}

func TestLabelOutside(t *testing.T) {
	// where is the catalog's location of an outside label.
	tests := []struct {
		name, region, where string
		j                   Jurisdiction
		outside             bool
	}{
		{"us-east-1 lies outside the EEA for every provider", "us-east-1", "provider aws: N. Virginia, US", EEA, true},
		{"eu-central-2 is Zurich", "eu-central-2", "provider aws: Zurich, CH", EU, true},
		{"norwayeast lies outside the EU", "norwayeast", "provider azure: Oslo, NO", EU, true},
		{"norwayeast lies inside the EEA", "norwayeast", "", EEA, false},
		{"eu-central-1 lies inside the EU", "eu-central-1", "", EU, false},
		{"a label the catalog does not know is not outside", "RegionOne", "", EEA, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outside, where := LabelOutside(tt.j, tt.region)
			if outside != tt.outside || where != tt.where {
				t.Fatalf("LabelOutside(%s, %q) = %v, %q; want %v, %q", tt.j, tt.region, outside, where, tt.outside, tt.where)
			}
		})
	}
}

func TestJudgeAWSLocalZones(t *testing.T) {
	tests := []struct {
		name       string
		override   []string
		providerID string
		region     string
		zone       string
		allowed    bool
	}{
		{"a Local Zone in Mexico keeps its parent label us-east-1 and is rejected", nil, "aws:///us-east-1-qro-1a/i-1", "us-east-1", "us-east-1-qro-1a", false},
		{"a Local Zone of eu-central-1 is not trusted on its parent's label", nil, "aws:///eu-central-1-ham-1a/i-1", "eu-central-1", "eu-central-1-ham-1a", false},
		{"a Wavelength Zone is not trusted on its parent's label", nil, awsID, "eu-central-1", "eu-central-1-wl1-ber-wlz-1", false},
		{"an ordinary zone of eu-central-1 is allowed", nil, awsID, "eu-central-1", "eu-central-1b", true},
		{"an AWS node without zone label is judged by its region", nil, awsID, "eu-central-1", "", true},
		{"a node without providerID in an AWS-only region with a Local Zone label is rejected", nil, "", "eu-central-1", "eu-central-1-ham-1a", false},
		{"a Local Zone listed in the override is allowed", []string{"eu-central-1-ham-1a"}, awsID, "eu-central-1", "eu-central-1-ham-1a", true},
		{"a dash-suffixed zone of another provider is an ordinary zone", nil, gceID, "europe-west3", "europe-west3-a", true},
		{"a dash-suffixed zone of a shared label without providerID is an ordinary zone", nil, "", "eu-de", "eu-de-01", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(EU, tt.override, tt.providerID, tt.region, tt.zone)
			if v.Allowed != tt.allowed {
				t.Fatalf("Judge(EU, %v, %q, %q, %q) = %+v, want Allowed=%v", tt.override, tt.providerID, tt.region, tt.zone, v, tt.allowed)
			}
		})
	}
}

func TestAllowedRegions(t *testing.T) {
	eu, eea := AllowedRegions(EU), AllowedRegions(EEA)

	t.Run("the lists are sorted and free of duplicates", func(t *testing.T) {
		for _, list := range [][]string{eu, eea} {
			if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
				t.Fatalf("not sorted and unique: %v", list)
			}
		}
	})
	t.Run("every EU value lies in the EU for every provider that uses it", func(t *testing.T) {
		for _, r := range eu {
			for _, e := range entriesFor(r) {
				if !EU.Contains(e.Country) {
					t.Errorf("%q allowed for the EU, but %s uses it for %s", r, e.Provider, e.Country)
				}
			}
		}
	})
	t.Run("the EU list includes europe-west3 and eu-central-1", func(t *testing.T) {
		for _, r := range []string{"europe-west3", "eu-central-1", "fsn1", "fr-par"} {
			if !slices.Contains(eu, r) {
				t.Errorf("AllowedRegions(EU) lacks %q", r)
			}
		}
	})
	t.Run("neither list contains a region outside the EEA", func(t *testing.T) {
		for _, r := range []string{"eu-central-2", "eu-west-2", "europe-west2", "europe-west6", "switzerlandnorth", "uksouth", "us-east-1", "eu-jovanovac-1", "eu-zurich-1", "UK1", "lon1"} {
			if slices.Contains(eu, r) || slices.Contains(eea, r) {
				t.Errorf("%q must not be allowed", r)
			}
		}
	})
	t.Run("unverified regions are in neither list", func(t *testing.T) {
		for _, r := range []string{"europe-north3", "finlandcentral", "israelnorthwest", "eu-dcc-rating-1", "eu-dcc-rating-2", "eu02", "eu-isoe-west-1"} {
			if slices.Contains(eea, r) {
				t.Errorf("%q must not be allowed", r)
			}
		}
	})
	t.Run("Norway is in the EEA list but not in the EU list", func(t *testing.T) {
		if slices.Contains(eu, "norwayeast") || !slices.Contains(eea, "norwayeast") {
			t.Fatalf("norwayeast: in EU list %v, in EEA list %v", slices.Contains(eu, "norwayeast"), slices.Contains(eea, "norwayeast"))
		}
	})
	t.Run("the EEA list is a superset of the EU list", func(t *testing.T) {
		for _, r := range eu {
			if !slices.Contains(eea, r) {
				t.Errorf("%q is allowed for the EU but not for the EEA", r)
			}
		}
	})
	t.Run("an unknown jurisdiction allows nothing", func(t *testing.T) {
		if got := AllowedRegions("EFTA"); len(got) != 0 {
			t.Fatalf("AllowedRegions(EFTA) = %v", got)
		}
	})
}

func TestCatalogHygiene(t *testing.T) {
	t.Run("every entry has a provider, a region, a valid country and a known source", func(t *testing.T) {
		for _, e := range catalog {
			if _, ok := headquarters[e.Provider]; !ok {
				t.Errorf("%+v: unknown provider", e)
			}
			if e.Region == "" || strings.TrimSpace(e.Region) != e.Region {
				t.Errorf("%+v: empty or padded region", e)
			}
			if !isCountryCode(e.Country) {
				t.Errorf("%+v: country is not an ISO 3166-1 alpha-2 code", e)
			}
			if e.Source == "" {
				t.Errorf("%+v: no source", e)
			}
			for key := range strings.SplitSeq(e.Source, ",") {
				if _, ok := sourceKeys[key]; !ok {
					t.Errorf("%+v: unknown source key %q", e, key)
				}
			}
		}
	})
	t.Run("no (provider, region) pair appears twice", func(t *testing.T) {
		seen := map[[2]string]bool{}
		for _, e := range catalog {
			k := [2]string{e.Provider, e.Region}
			if seen[k] {
				t.Errorf("duplicate entry %v", k)
			}
			seen[k] = true
		}
	})
	t.Run("the traps carry the right countries", func(t *testing.T) {
		for _, c := range []struct{ provider, region, country string }{
			{"aws", "eu-central-2", "CH"},
			{"aws", "eu-west-2", "GB"},
			{"oci", "eu-jovanovac-1", "RS"},
			{"oci", "eu-zurich-1", "CH"},
			{"gcp", "europe-west2", "GB"},
			{"gcp", "europe-west6", "CH"},
			{"azure", "norwayeast", "NO"},
			{"aws", "us-east-1", "US"},
		} {
			e, ok := Lookup(c.provider, c.region)
			if !ok || e.Country != c.country {
				t.Errorf("Lookup(%q, %q) = %+v, %v; want country %s", c.provider, c.region, e, ok, c.country)
			}
		}
	})
	t.Run("Catalog returns a copy", func(t *testing.T) {
		c := Catalog()
		c[0].Country = "XX"
		if catalog[0].Country == "XX" {
			t.Fatal("Catalog() exposes the package's table")
		}
	})
	t.Run("the EU has 27 members and the EEA adds 3", func(t *testing.T) {
		if len(euCountries) != 27 || len(eeaOnlyCountries) != 3 {
			t.Fatalf("got %d EU and %d EEA-only countries", len(euCountries), len(eeaOnlyCountries))
		}
		for _, c := range append(slices.Clone(euCountries), eeaOnlyCountries...) {
			if !isCountryCode(c) {
				t.Errorf("%q is not an ISO code", c)
			}
		}
	})
}

func isCountryCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

func TestJurisdictionContains(t *testing.T) {
	tests := []struct {
		name    string
		j       Jurisdiction
		country string
		want    bool
	}{
		{"Germany is in the EU", EU, "DE", true},
		{"Greece is in the EU under its ISO code GR", EU, "GR", true},
		{"Norway is not in the EU", EU, "NO", false},
		{"Norway is in the EEA", EEA, "NO", true},
		{"Iceland is in the EEA", EEA, "IS", true},
		{"Liechtenstein is in the EEA", EEA, "LI", true},
		{"Switzerland is in neither despite its adequacy decision", EEA, "CH", false},
		{"the United Kingdom is in neither", EEA, "GB", false},
		{"Serbia is in neither", EEA, "RS", false},
		{"lower-case codes are not accepted", EU, "de", false},
		{"an unknown jurisdiction contains nothing", Jurisdiction("EFTA"), "DE", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.j.Contains(tt.country); got != tt.want {
				t.Fatalf("%s.Contains(%q) = %v, want %v", tt.j, tt.country, got, tt.want)
			}
		})
	}
}

func TestProviderOf(t *testing.T) {
	tests := []struct {
		name       string
		providerID string
		want       string
	}{
		{"an AWS instance is aws", awsID, "aws"},
		{"an AWS Fargate pod node is aws", "aws:///eu-central-1a/fargate-10.0.0.1", "aws"},
		{"an AWS node without zone is aws", "aws:////i-0123", "aws"},
		{"a GCE instance is gcp", gceID, "gcp"},
		{"an Azure VM is azure", azureID, "azure"},
		{"an OCI instance is oci", ociID, "oci"},
		{"a bare OCID is oci", "ocid1.instance.oc1.eu-frankfurt-1.abc", "oci"},
		{"an IBM worker is ibm", "ibm://acct///cluster/worker", "ibm"},
		{"a DigitalOcean droplet is digitalocean", "digitalocean://123456", "digitalocean"},
		{"a Hetzner Cloud server is hetzner", hcloudID, "hetzner"},
		{"a legacy Hetzner bare-metal id is hetzner", "hcloud://bm-4711", "hetzner"},
		{"a Hetzner Robot server is hetzner", "hrobot://4711", "hetzner"},
		{"a Scaleway instance is scaleway", scalewayID, "scaleway"},
		{"a Scaleway bare-metal server is scaleway", "scaleway://baremetal/fr-par-2/1111", "scaleway"},
		{"an OpenStack server is generic openstack", openstackID, "openstack"},
		{"a regional OpenStack server is generic openstack", "openstack://GRA7/1111", "openstack"},
		{"an IONOS server is ionos", "ionos://1111", "ionos"},
		{"a STACKIT server is stackit", "stackit://1111", "stackit"},
		{"an Exoscale instance is exoscale", "exoscale://1111", "exoscale"},
		{"an UpCloud server is upcloud", "upcloud:////1111", "upcloud"},
		{"a kwok node is unknown", "kwok://node-1", ""},
		{"an unknown scheme is unknown", "vsphere://4211", ""},
		{"a scheme is matched exactly, not by prefix", "awsx:///eu-central-1a/i-1", ""},
		{"upper case is not a known scheme", "AWS:///eu-central-1a/i-1", ""},
		{"a providerID without scheme is unknown", "i-0123", ""},
		{"an empty providerID is unknown", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProviderOf(tt.providerID); got != tt.want {
				t.Fatalf("ProviderOf(%q) = %q, want %q", tt.providerID, got, tt.want)
			}
		})
	}
}

func TestHeadquarters(t *testing.T) {
	t.Run("EUHeadquartered matches the EEA membership of the country", func(t *testing.T) {
		for p, hq := range headquarters {
			if hq.EUHeadquartered != EEA.Contains(hq.Country) {
				t.Errorf("%s: %+v is inconsistent", p, hq)
			}
		}
	})
	t.Run("every provider ProviderOf can return except openstack has headquarters", func(t *testing.T) {
		for _, p := range providerSchemes {
			if _, ok := HeadquartersOf(p); !ok && p != genericOpenStack {
				t.Errorf("no headquarters for %q", p)
			}
		}
	})
}

func TestSovereignProvider(t *testing.T) {
	tests := []struct {
		name       string
		providerID string
		want       bool
		reason     string
	}{
		{"an on-premises node without providerID passes", "", true, "node has no spec.providerID: treated as on-premises"},
		{"AWS fails as a US company", awsID, false, "provider aws (from providerID scheme aws://) is headquartered in US"},
		{"GCP fails as a US company", gceID, false, "provider gcp (from providerID scheme gce://) is headquartered in US"},
		{"Azure fails as a US company", azureID, false, "provider azure (from providerID scheme azure://) is headquartered in US"},
		{"a bare OCID fails as Oracle is a US company", "ocid1.instance.oc1.x", false, "provider oci (from bare OCID providerID) is headquartered in US"},
		{"IBM fails as a US company", "ibm://a///c/w", false, "provider ibm (from providerID scheme ibm://) is headquartered in US"},
		{"DigitalOcean fails as a US company", "digitalocean://1", false, "provider digitalocean (from providerID scheme digitalocean://) is headquartered in US"},
		{"Exoscale fails as a Swiss company", "exoscale://1", false, "provider exoscale (from providerID scheme exoscale://) is headquartered in CH"},
		{"Hetzner Cloud passes as a German company", hcloudID, true, "provider hetzner (from providerID scheme hcloud://) is headquartered in DE, inside the EEA"},
		{"Hetzner Robot passes as a German company", "hrobot://1", true, "provider hetzner (from providerID scheme hrobot://) is headquartered in DE, inside the EEA"},
		{"Scaleway passes as a French company", scalewayID, true, "provider scaleway (from providerID scheme scaleway://) is headquartered in FR, inside the EEA"},
		{"IONOS passes as a German company", "ionos://1", true, "provider ionos (from providerID scheme ionos://) is headquartered in DE, inside the EEA"},
		{"STACKIT passes as a German company", "stackit://1", true, "provider stackit (from providerID scheme stackit://) is headquartered in DE, inside the EEA"},
		{"UpCloud passes as a Finnish company", "upcloud:////1", true, "provider upcloud (from providerID scheme upcloud://) is headquartered in FI, inside the EEA"},
		{"generic OpenStack fails because the provider cannot be told", openstackID, false, "providerID scheme openstack:// is generic OpenStack (OVHcloud, Open Telekom Cloud or a private cloud): the provider and its headquarters cannot be determined"},
		{"kwok fails because it names no provider", "kwok://n", false, "providerID scheme kwok:// does not identify a known provider: its headquarters cannot be determined"},
		{"a providerID without scheme fails", "node-1", false, `providerID "node-1" without a scheme does not identify a known provider: its headquarters cannot be determined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := SovereignProvider(tt.providerID)
			if ok != tt.want || reason != tt.reason {
				t.Fatalf("SovereignProvider(%q) = %v, %q; want %v, %q", tt.providerID, ok, reason, tt.want, tt.reason)
			}
		})
	}
}

func TestDescribeProvider(t *testing.T) {
	for providerID, want := range map[string]string{
		hcloudID:        "hetzner, headquartered in DE",
		awsID:           "aws, headquartered in US",
		"exoscale://1":  "exoscale, headquartered in CH",
		openstackID:     "an OpenStack cloud (providerID scheme openstack://): which provider runs it cannot be told",
		"kwok://node-1": "unknown (providerID scheme kwok:// names no known provider)",
		"":              "not named by the node (no spec.providerID: on-premises, or a provider that sets none)",
	} {
		if got := DescribeProvider(providerID); got != want {
			t.Errorf("DescribeProvider(%q) = %q, want %q", providerID, got, want)
		}
	}
}
