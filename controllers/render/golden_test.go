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
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenCases are the specs whose objects are checked in, as YAML a reviewer reads.
var goldenCases = []struct {
	dir  string
	spec func() *v1alpha1.MeetingPlatform
	opts []Option
}{
	{"jwt-guests-nodeport", jwtGuestsNodePort, nil},
	{"internal-own-stun", internalOwnSTUN, nil},
	{"ldap-loadbalancer-cert-manager", ldapLoadBalancerCertManager, nil},
	{"gateway-envoy-dns-cache", gatewayEnvoyDNSCache, []Option{WithGatewayResponseHeaders()}},
	{"traefik-middlewares", traefikMinimal, []Option{WithTraefikMiddlewares()}},
	// Two load balancers have an address, the third has none yet.
	{"three-bridges-loadbalancer", fixtures.ThreeBridges, []Option{WithMedia(settings.MediaInputs{
		LoadBalancerIPs: map[string][]string{"meet-jvb": {"198.51.100.20"}, "meet-jvb-1": {"198.51.100.21", "2001:db8::21"}},
	})}},
	{"oidc-moderators-public-client", fixtures.OIDCModeratorsPublicClient, nil},
	{"own-turn", ownTURN, nil},
}

// goldenFile is the testdata path of an object: <case>/<kind>-<name>.yaml.
func goldenFile(dir string, obj client.Object) string {
	kind := strings.ToLower(obj.GetObjectKind().GroupVersionKind().Kind)
	return filepath.Join("testdata", dir, kind+"-"+obj.GetName()+".yaml")
}

// toYAML renders an object as its applied YAML, without the empty status.
func toYAML(t testing.TB, obj client.Object) []byte {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "status")
	out, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGoldenFiles(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.dir, func(t *testing.T) {
			objs, err := Objects(settings.Defaulted(tc.spec()), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", tc.dir)
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			var want []string
			for _, obj := range objs {
				path := goldenFile(tc.dir, obj)
				want = append(want, filepath.Base(path))
				got := toYAML(t, obj)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				golden, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run `go test ./controllers/render -update` to create it)", err)
				}
				if string(golden) != string(got) {
					t.Errorf("%s differs from the rendered object (run with -update and review the diff):\n%s", path, lineDiff(string(golden), string(got)))
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if !slices.Contains(want, e.Name()) {
					t.Errorf("%s/%s is no longer rendered; run with -update", dir, e.Name())
				}
			}
		})
	}
}

// lineDiff lists the lines that differ between two texts, for a readable failure.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			out = append(out, "- "+wl, "+ "+gl)
		}
		if len(out) > 40 {
			out = append(out, "...")
			break
		}
	}
	return strings.Join(out, "\n")
}
