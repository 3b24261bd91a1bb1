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

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// controlIDs are the controls of docs/controls.md.
var controlIDs = []ControlID{
	"TLS-1", "TLS-2", "TLS-3", "TLS-4", "REC-1", "REC-2", "REC-3", "TEL-1", "TEL-2", "TEL-3", "TEL-4",
	"EU-1", "EU-2", "EU-3", "EU-4", "ACC-1", "ACC-2", "ACC-3", "ACC-4", "ACC-5", "MIN-1", "MIN-2", "MIN-3",
	"TRN-1", "TRN-2", "OVR-1", "E2E-1",
}

// platform is the shared sample with the defaults the API server applies: every function of
// the package takes a defaulted platform.
func platform() *v1alpha1.MeetingPlatform { return Defaulted(fixtures.Minimal()) }

// userPlatform is the sample as a user may write it: without the media and JWT key fields the
// schema defaults.
func userPlatform() *v1alpha1.MeetingPlatform {
	mp := fixtures.Minimal()
	mp.Spec.Media = v1alpha1.MediaSpec{}
	mp.Spec.Access.JWT.SecretRef.Key = ""
	return mp
}

func ldapPlatform() *v1alpha1.MeetingPlatform {
	return Defaulted(fixtures.LDAPLoadBalancerCertManager())
}

// stunPlatform is the sample with own STUN servers.
func stunPlatform() *v1alpha1.MeetingPlatform {
	mp := fixtures.Minimal()
	mp.Spec.STUN.Servers = []string{"stun:stun.example.eu", "stuns:stun.example.eu:443"}
	return Defaulted(mp)
}

// turnPlatform is the sample with its own TURN server.
func turnPlatform() *v1alpha1.MeetingPlatform {
	return Defaulted(fixtures.OwnTURN())
}

// allEnv is every variable the tables declare for the sample platforms.
func allEnv() []Env {
	out := slices.Clone(EnforcedEnv)
	for _, mp := range []*v1alpha1.MeetingPlatform{platform(), ldapPlatform(), stunPlatform(), turnPlatform()} {
		out = append(out, DynamicEnv(mp)...)
	}
	return out
}

func value(env []Env, c Component, name string) (string, bool) {
	for _, e := range env {
		if e.Component == c && e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

func TestTables(t *testing.T) {
	t.Run("every entry names a control of the profile and says why", func(t *testing.T) {
		check := func(what string, control ControlID, why string) {
			if !slices.Contains(controlIDs, control) || why == "" {
				t.Errorf("%s: control %q, why %q", what, control, why)
			}
		}
		for _, e := range allEnv() {
			check(string(e.Component)+" "+e.Name, e.Control, e.Why)
		}
		for _, s := range SecretEnvs(ldapPlatform()) {
			check(s.Name, s.Control, s.Why)
		}
		for _, k := range slices.Concat(ClientConfig(stunPlatform()), InterfaceConfig, JicofoConfig, JVBConfig(platform()), JavaLogging) {
			check(k.Path, k.Control, k.Why)
		}
		for _, r := range ForbiddenEnv {
			check(r.Pattern, r.Control, r.Why)
		}
		for _, h := range Headers {
			check(h.Name, h.Control, h.Why)
		}
	})
	t.Run("no enforced, spec-dependent or secret variable is forbidden", func(t *testing.T) {
		for _, e := range allEnv() {
			if r, bad := Forbidden(e.Name); bad && !IsTURNAnnouncement(turnPlatform(), e.Component, e.Name) {
				t.Errorf("%s is enforced and forbidden by %s", e.Name, r.Pattern)
			}
		}
		for _, s := range SecretEnvs(ldapPlatform()) {
			if r, bad := Forbidden(s.Name); bad {
				t.Errorf("%s is a credential and forbidden by %s", s.Name, r.Pattern)
			}
		}
	})
	t.Run("every boolean is spelled canonically", func(t *testing.T) {
		for _, e := range allEnv() {
			if IsBooleanEnv(e.Name) && !CanonicalBool(e.Value) {
				t.Errorf("%s=%q", e.Name, e.Value)
			}
		}
	})
	t.Run("no variable is declared twice on a component", func(t *testing.T) {
		for _, mp := range []*v1alpha1.MeetingPlatform{platform(), ldapPlatform(), stunPlatform(), turnPlatform()} {
			seen := map[string]bool{}
			for _, e := range slices.Concat(EnforcedEnv, DynamicEnv(mp)) {
				key := string(e.Component) + "/" + e.Name
				if seen[key] {
					t.Errorf("%s declared twice", key)
				}
				seen[key] = true
			}
		}
	})
	t.Run("recording, streaming, transcription and translation are off in web, prosody and jicofo", func(t *testing.T) {
		for _, name := range []string{"ENABLE_RECORDING", "ENABLE_LIVESTREAMING", "ENABLE_TRANSCRIPTIONS", "ENABLE_AUDIO_TRANSLATION"} {
			for _, c := range []Component{Web, Prosody, Jicofo} {
				if v, ok := value(EnforcedEnv, c, name); !ok || v != False {
					t.Errorf("%s %s=%q", c, name, v)
				}
			}
		}
	})
	t.Run("authentication is required by web, prosody and jicofo", func(t *testing.T) {
		for _, c := range []Component{Web, Prosody, Jicofo} {
			if v, _ := value(EnforcedEnv, c, "ENABLE_AUTH"); v != True {
				t.Errorf("%s ENABLE_AUTH=%q", c, v)
			}
		}
	})
	t.Run("the variables the images test arithmetically use 1 and 0", func(t *testing.T) {
		for name, want := range map[string]string{"DISABLE_HTTPS": One, "ENABLE_LETSENCRYPT": Zero} {
			if v, _ := value(EnforcedEnv, Web, name); v != want {
				t.Errorf("%s=%q, want %q", name, v, want)
			}
		}
	})
	t.Run("no credential key belongs to a recorder or transcriber", func(t *testing.T) {
		for _, k := range CredentialKeys {
			// The TURN secret matches TURN_*, which keeps it off every component but coturn and
			// prosody, where the operator writes it itself.
			if r, bad := Forbidden(k); (bad && k != TURNSecretKey) || strings.Contains(k, "JIBRI") || strings.Contains(k, "JIGASI") {
				t.Errorf("%s (%v)", k, r)
			}
		}
	})
	t.Run("the boolean list is sorted and free of duplicates", func(t *testing.T) {
		if !slices.IsSorted(BooleanEnv) || len(slices.Compact(slices.Clone(BooleanEnv))) != len(BooleanEnv) {
			t.Fatal("BooleanEnv is not sorted and unique")
		}
	})
}

func TestDynamicEnv(t *testing.T) {
	t.Run("guests follow the spec", func(t *testing.T) {
		mp := platform()
		mp.Spec.Access.Guests = true
		for _, c := range []Component{Web, Prosody} {
			if v, _ := value(DynamicEnv(mp), c, "ENABLE_GUESTS"); v != True {
				t.Errorf("%s ENABLE_GUESTS=%q", c, v)
			}
			if v, _ := value(DynamicEnv(platform()), c, "ENABLE_GUESTS"); v != False {
				t.Errorf("%s ENABLE_GUESTS=%q by default", c, v)
			}
		}
	})
	t.Run("without STUN servers peer-to-peer and the bridge's STUN are off", func(t *testing.T) {
		env := DynamicEnv(platform())
		if v, _ := value(env, Web, "ENABLE_P2P"); v != False {
			t.Errorf("ENABLE_P2P=%q", v)
		}
		if v, _ := value(env, JVB, "JVB_DISABLE_STUN"); v != True {
			t.Errorf("JVB_DISABLE_STUN=%q", v)
		}
		if _, ok := value(env, JVB, "JVB_STUN_SERVERS"); ok {
			t.Error("JVB_STUN_SERVERS set")
		}
	})
	t.Run("own STUN servers turn peer-to-peer on and are the only STUN servers", func(t *testing.T) {
		env := DynamicEnv(stunPlatform())
		if v, _ := value(env, Web, "ENABLE_P2P"); v != True {
			t.Errorf("ENABLE_P2P=%q", v)
		}
		if v, _ := value(env, JVB, "JVB_STUN_SERVERS"); v != "stun.example.eu:3478,stun.example.eu:443" {
			t.Errorf("JVB_STUN_SERVERS=%q", v)
		}
		if v, _ := value(env, JVB, "JVB_ADVERTISE_IPS"); v != fixtures.PublicAddress {
			t.Errorf("JVB_ADVERTISE_IPS=%q", v)
		}
	})
	t.Run("each authentication sets its AUTH_TYPE and its own variables only", func(t *testing.T) {
		internal := platform()
		internal.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationInternal}
		for mp, want := range map[*v1alpha1.MeetingPlatform]string{platform(): "jwt", internal: "internal", ldapPlatform(): "ldap"} {
			env := DynamicEnv(mp)
			for _, c := range []Component{Prosody, Jicofo} {
				if v, _ := value(env, c, "AUTH_TYPE"); v != want {
					t.Errorf("%s AUTH_TYPE=%q, want %q", c, v, want)
				}
			}
			_, jwt := value(env, Prosody, "JWT_APP_ID")
			_, ldap := value(env, Prosody, "LDAP_URL")
			if jwt != (want == "jwt") || ldap != (want == "ldap") {
				t.Errorf("%s: JWT_APP_ID set %v, LDAP_URL set %v", want, jwt, ldap)
			}
		}
	})
	t.Run("LDAP verifies the directory's certificate", func(t *testing.T) {
		for _, name := range []string{"LDAP_USE_TLS", "LDAP_TLS_CHECK_PEER"} {
			if v, _ := value(DynamicEnv(ldapPlatform()), Prosody, name); v != True {
				t.Errorf("%s=%q", name, v)
			}
		}
	})
	t.Run("EnvFor returns one component's variables sorted by name", func(t *testing.T) {
		env := EnvFor(platform(), Web)
		if !slices.IsSortedFunc(env, func(a, b Env) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatal("not sorted")
		}
		for _, e := range env {
			if e.Component != Web {
				t.Fatalf("%s belongs to %s", e.Name, e.Component)
			}
		}
	})
}

func TestSecretEnvs(t *testing.T) {
	t.Run("JWT reads the spec's Secret with the default key", func(t *testing.T) {
		for _, s := range SecretEnvs(platform()) {
			if s.Name == "JWT_APP_SECRET" {
				if s.Component != Prosody || s.Secret != "meet-jwt" || s.Key != "secret" {
					t.Fatalf("%+v", s)
				}
				return
			}
		}
		t.Fatal("no JWT_APP_SECRET")
	})
	t.Run("LDAP reads bindDN and password from the bind Secret", func(t *testing.T) {
		got := map[string]string{}
		for _, s := range SecretEnvs(ldapPlatform()) {
			got[s.Name] = s.Secret + "/" + s.Key
		}
		if got["LDAP_BINDDN"] != "ldap-bind/bindDN" || got["LDAP_BINDPW"] != "ldap-bind/password" || got["JWT_APP_SECRET"] != "" {
			t.Fatalf("%v", got)
		}
	})
	t.Run("internal credentials come from <name>-credentials", func(t *testing.T) {
		for _, s := range SecretEnvs(platform()) {
			if slices.Contains(CredentialKeys, s.Name) && (s.Secret != "meet-credentials" || s.Key != s.Name) {
				t.Errorf("%+v", s)
			}
		}
	})
}

func TestForbidden(t *testing.T) {
	tests := []struct {
		name    string
		control string // empty: allowed
	}{
		{"GLOBAL_CONFIG", "OVR-1"},
		{"XMPP_MODULES", "OVR-1"},
		{"XMPP_MUC_MODULES", "OVR-1"},
		{"XMPP_INTERNAL_MUC_MODULES", "OVR-1"},
		{"XMPP_MUC_CONFIGURATION", "OVR-1"},
		{"CHROME_EXTENSION_BANNER_JSON", "OVR-1"},
		{"JAAS_APP_ID", "OVR-1"},
		{"JIBRI_XMPP_PASSWORD", "REC-1"},
		{"JIGASI_SIP_URI", "REC-1"},
		{"DROPBOX_APPKEY", "REC-2"},
		{"JICOFO_TRANSLATION_URL_TEMPLATE", "REC-2"},
		{"AMPLITUDE_ID", "TEL-1"},
		{"SENTRY_DSN", "TEL-1"},
		{"JVB_SENTRY_DSN", "TEL-1"},
		{"RTCSTATS_ENABLED", "TEL-1"},
		{"BRANDING_DATA_URL", "TEL-2"},
		{"P2P_STUN_SERVERS", "TEL-3"},
		{"TURN_CREDENTIALS", "TEL-3"},
		{"PROSODY_AUTH_TYPE", "ACC-1"},
		{"JVB_LOG_FILE", "MIN-3"},
		{"ENABLE_RECORDING", ""},
		{"ENABLE_LIVESTREAMING", ""},
		{"ENABLE_LETSENCRYPT", ""},
		{"ENABLE_JAAS_COMPONENTS", ""},
		{"JVB_STUN_SERVERS", ""},
		{"XMPP_SERVER", ""},
		{"XMPP_DOMAIN", ""},
		{"PUBLIC_URL", ""},
	}
	for _, tt := range tests {
		verdict := "is allowed"
		if tt.control != "" {
			verdict = "violates " + tt.control
		}
		t.Run(tt.name+" "+verdict, func(t *testing.T) {
			r, bad := Forbidden(tt.name)
			if bad != (tt.control != "") || string(r.Control) != tt.control {
				t.Fatalf("Forbidden(%q) = %+v, %v", tt.name, r, bad)
			}
		})
	}
}

func TestCanonicalBool(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "false": true, "1": true, "0": true, "True": false, "TRUE": false, "no": false, "off": false, "": false, " true": false} {
		t.Run("CanonicalBool("+v+")", func(t *testing.T) {
			if CanonicalBool(v) != want {
				t.Fatalf("got %v", !want)
			}
		})
	}
}

func TestParseSTUN(t *testing.T) {
	tests := []struct {
		uri  string
		want string // URL(), or empty for an error
	}{
		{"stun:stun.example.eu", "stun:stun.example.eu:3478"},
		{"stuns:stun.example.eu", "stuns:stun.example.eu:5349"},
		{"stun:stun.example.eu:443", "stun:stun.example.eu:443"},
		{"stun.example.eu", ""},
		{"turn:turn.example.eu", ""},
		{"stun:", ""},
		{"stun:host:0", ""},
		{"stun:host:70000", ""},
		{`stun:a"b`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			s, err := ParseSTUN(tt.uri)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("accepted as %+v", s)
				}
				return
			}
			if err != nil || s.URL() != tt.want {
				t.Fatalf("got %q, %v", s.URL(), err)
			}
		})
	}
}

func TestUnderOverridePath(t *testing.T) {
	for path, want := range map[string]bool{
		"/config": true, "/config/custom-config.js": true, "/config/../config/x": true, "/defaults/jvb.conf": true,
		"/prosody-plugins-custom/mod_x.lua": true, "/run": true, "/etc/saslauthd.conf": true,
		"/configuration": false, "/tmp": false, "/var/lib/prosody": false, "/usr/share/jicofo": false,
	} {
		t.Run(path, func(t *testing.T) {
			if _, got := UnderOverridePath(path); got != want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	t.Run("the operator's policy has no problem", func(t *testing.T) {
		if p := CSPProblems(ContentSecurityPolicy("meet.example.eu"), "meet.example.eu"); len(p) > 0 {
			t.Fatal(p)
		}
	})
	t.Run("a third-party origin is a problem", func(t *testing.T) {
		csp := ContentSecurityPolicy("meet.example.eu") + "; script-src https://cdn.example.com"
		if p := CSPProblems(csp, "meet.example.eu"); len(p) != 1 || !strings.Contains(p[0], "cdn.example.com") {
			t.Fatal(p)
		}
	})
	t.Run("another platform's origin is a problem", func(t *testing.T) {
		if p := CSPProblems(ContentSecurityPolicy("meet.example.eu"), "other.example.eu"); len(p) == 0 {
			t.Fatal("accepted")
		}
	})
	t.Run("a policy without default-src is a problem", func(t *testing.T) {
		if p := CSPProblems("script-src 'self'", "meet.example.eu"); len(p) != 1 {
			t.Fatal(p)
		}
	})
}

func TestLogFormatLeaks(t *testing.T) {
	t.Run("the operator's format carries nothing personal", func(t *testing.T) {
		if leaks := LogFormatLeaks(AccessLogFormat); leaks != nil {
			t.Fatal(leaks)
		}
	})
	t.Run("a combined-style format leaks address, path, referrer and user agent", func(t *testing.T) {
		format := `$remote_addr - $remote_user [$time_local] "$request" $status ${body_bytes_sent} "$http_referer" "$http_user_agent" $arg_room`
		want := []string{"$remote_addr", "$remote_user", "$request", "$http_referer", "$http_user_agent", "$arg_room"}
		if got := LogFormatLeaks(format); !slices.Equal(got, want) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("the request method is not the request", func(t *testing.T) {
		if leaks := LogFormatLeaks("$request_method $request_time"); leaks != nil {
			t.Fatal(leaks)
		}
	})
}

func TestClientConfig(t *testing.T) {
	t.Run("every legal link is the privacy notice, quoted", func(t *testing.T) {
		mp := platform()
		mp.Spec.PrivacyPolicyURL = `https://example.eu/p?a=1&b='2'`
		for _, k := range ClientConfig(mp) {
			if k.Path == "legalUrls" {
				if strings.Count(k.Value, `"https://example.eu/p?a=1\u0026b='2'"`) != 4 {
					t.Fatal(k.Value)
				}
				return
			}
		}
		t.Fatal("no legalUrls")
	})
	t.Run("peer-to-peer follows the STUN servers", func(t *testing.T) {
		for mp, want := range map[*v1alpha1.MeetingPlatform]string{platform(): "false", stunPlatform(): "true"} {
			for _, k := range ClientConfig(mp) {
				if k.Path == "p2p.enabled" && k.Value != want {
					t.Errorf("p2p.enabled = %s, want %s", k.Value, want)
				}
			}
		}
	})
	t.Run("each path is assigned once", func(t *testing.T) {
		seen := map[string]bool{}
		for _, k := range ClientConfig(stunPlatform()) {
			if seen[k.Path] {
				t.Errorf("%s twice", k.Path)
			}
			seen[k.Path] = true
		}
	})
	t.Run("a key renders as one JavaScript assignment", func(t *testing.T) {
		if got := (ConfigKey{Path: "doNotStoreRoom", Value: "true"}).JSLine(ClientObject); got != "config.doNotStoreRoom = true;" {
			t.Fatal(got)
		}
	})
}

func TestDefaulted(t *testing.T) {
	mp := userPlatform()
	d := Defaulted(mp)
	t.Run("it fills the CRD defaults", func(t *testing.T) {
		s := d.Spec
		if s.Media.Type != v1alpha1.MediaServiceNodePort || s.Media.Port != 30000 || s.Placement.Jurisdiction != v1alpha1.JurisdictionEEA ||
			s.Placement.RegionLabel != v1alpha1.DefaultRegionLabel || s.Access.Authentication != v1alpha1.AuthenticationJWT ||
			s.Access.JWT.SecretRef.Key != "secret" || s.Components.Web.Replicas != 1 || s.Image.Registry != v1alpha1.DefaultImageRegistry ||
			s.Ingress.ControllerNamespace != "ingress-nginx" || s.Compliance.Mode != v1alpha1.ComplianceModeEnforce {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("it leaves the image tag empty: the schema has no default for it, the operator resolves it", func(t *testing.T) {
		if d.Spec.Image.Tag != "" {
			t.Fatalf("Defaulted wrote spec.image.tag %q", d.Spec.Image.Tag)
		}
	})
	t.Run("it leaves its input alone", func(t *testing.T) {
		if mp.Spec.Media.Port != 0 || mp.Spec.Access.JWT.SecretRef.Key != "" {
			t.Fatal("input changed")
		}
	})
	t.Run("it keeps values that are set", func(t *testing.T) {
		mp := userPlatform()
		mp.Spec.Media.Port = 31000
		if Defaulted(mp).Spec.Media.Port != 31000 {
			t.Fatal("overwritten")
		}
	})
}

func TestHeapMiB(t *testing.T) {
	for limit, want := range map[string]int64{
		"4Gi":   3072,  // three quarters
		"1Gi":   768,   // the default jicofo limit
		"1.5Gi": 1152,  // a fractional limit
		"256Mi": 192,   // MinJavaMemoryLimit gives exactly the smallest heap
		"100Mi": 192,   // smaller limits are refused by render.Validate; the heap never shrinks below the bound
		"100m":  192,   // a tenth of a byte, still not zero or negative
		"21Gi":  16128, // just below the cap
		"64Gi":  16384, // capped
		"4E":    16384, // 4e18 bytes: three quarters of it overflowed int64 before the cap
		"8Ei":   16384, // beyond int64 altogether
	} {
		if got := HeapMiB(resource.MustParse(limit)); got != want {
			t.Errorf("HeapMiB(%s) = %d, want %d", limit, got, want)
		}
	}
}
