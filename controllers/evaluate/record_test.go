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
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// mustContain fails the test for every part the record lacks.
func mustContain(t *testing.T, record string, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(record, part) {
			t.Errorf("the record lacks %q:\n%s", part, record)
		}
	}
}

func TestProcessingRecordMatchesGoldenFile(t *testing.T) {
	for _, tc := range []struct {
		file     string
		snapshot func(testing.TB) *Snapshot
	}{
		{"processing-record.md", passingJWT},
		{"processing-record-own-turn.md", passingTURN},
		{"processing-record-external-turn.md", func(t testing.TB) *Snapshot { return passing(t, "external turn", externalTURNPlatform) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s := tc.snapshot(t)
			got := ProcessingRecord(s, Evaluate(s))
			golden := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./controllers/evaluate/ -run ProcessingRecord -update)", err)
			}
			if got != string(want) {
				t.Errorf("the processing record differs from %s (rerun with -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

func TestProcessingRecordDescribesThePlatform(t *testing.T) {
	s := passingJWT(t)
	record := ProcessingRecord(s, Evaluate(s))
	mustContain(t, record,
		"# Record of processing activities: MeetingPlatform video/meet",
		"## 1. Controller", "## 2. Purpose of the processing", "## 3. Categories of data subjects",
		"## 4. Categories of personal data", "## 5. Recipients", "## 6. Transfers to third countries",
		"## 7. Retention and erasure", "## 8. Technical and organisational measures",
		"https://example.eu/privacy", "| fsn1 | Falkenstein, DE | hetzner |", "| nbg1 | Nuremberg, DE | hetzner |",
	)
	for _, c := range Profile {
		if !strings.Contains(record, "| "+string(c.ID)+" | ") {
			t.Errorf("the record's measures table lacks %s", c.ID)
		}
	}
	if strings.Contains(record, "Attention") {
		t.Error("a passing platform's record carries an attention note")
	}
	for _, p := range s.Pods {
		if strings.Contains(record, p.Name) {
			t.Errorf("a passing platform's record names pod %s, which changes on every restart", p.Name)
		}
	}
}

// TestProcessingRecordSaysWhereThePodsRun: the transfers section follows EU-1 and EU-2, and
// names the user-asserted regions and the providers headquartered outside the EEA.
func TestProcessingRecordSaysWhereThePodsRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		// rendered is the allowedRegions the objects are rendered with, listed the one of the
		// spec evaluated (it may hold a region the renderer refuses).
		rendered, listed []string
		node             *corev1.Node
		want             []string
		notWant          string
	}{
		{
			name:     "a pod on AWS us-east-1, which the user lists (issue 11): every statement it breaks is flagged",
			rendered: nil, listed: []string{"eu-central-1", "fsn1", "nbg1", "us-east-1"},
			node: node("us-node-1", "us-east-1", "aws:///us-east-1a/i-0abc"),
			want: []string{
				"**Attention:** control EU-2 fails",
				"Not excluded at present: a residency control fails",
				"| us-east-1 | N. Virginia, US | aws |",
				"| aws, headquartered in US | hosting provider of the nodes in us-east-1 |",
				"Providers headquartered outside the EEA run nodes of the platform: aws (US).",
				"| EU-2 | Every running pod sits on a node inside the jurisdiction | critical | Fail | pod meet-web-7c9d8f6b5-x2k4p on node us-node-1",
			},
			notWant: "None found.",
		},
		{
			name:     "a pod in a listed region the catalog does not know: its location is user-asserted",
			rendered: []string{"dc-ber-1", "fsn1", "nbg1"}, listed: []string{"dc-ber-1", "fsn1", "nbg1"},
			node: node("onprem-1", "dc-ber-1", ""),
			want: []string{
				"| dc-ber-1 | user-asserted (spec.placement.allowedRegions; not in the region catalog) | none (on-premises) |",
				"The location of dc-ber-1 is user-asserted",
				"None found.",
			},
			notWant: "Attention",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mp := jwtPlatform()
			mp.Spec.Placement.AllowedRegions = tc.rendered
			s := snapshotFor(t, mp)
			s.Platform.Spec.Placement.AllowedRegions = tc.listed
			movePod(settings.Web, tc.node)(s)
			record := ProcessingRecord(s, Evaluate(s))
			mustContain(t, record, tc.want...)
			if strings.Contains(record, tc.notWant) {
				t.Errorf("the record says %q", tc.notWant)
			}
		})
	}
}

func TestMarkdownEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"a | b":                          `a \| b`,
		"`code` and ``more``":            "\\`code\\` and \\`\\`more\\`\\`",
		"<script>alert(1)</script>":      `\<script\>alert(1)\</script\>`,
		"line one\nline two\r\n| row |":  `line one line two  \| row \|`,
		"[click](javascript:alert(1))":   `\[click\](javascript:alert(1))`,
		"![img](https://evil.example/x)": `!\[img\](https://evil.example/x)`,
		"JIBRI_* and *bold* ~~gone~~":    `JIBRI\_\* and \*bold\* \~\~gone\~\~`,
		"a\\b &amp; c":                   `a\\b \&amp; c`,
		"next\u2028line\x00end":          "next line end",
		"plain text, 1. and # stay":      "plain text, 1. and # stay",
	} {
		if got := text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
	if got := code("meet-jwt"); got != "`meet-jwt`" {
		t.Errorf("code(meet-jwt) = %q", got)
	}
	if got := code("a`b"); got != "a\\`b" {
		t.Errorf("code with a backtick = %q, want escaped text that cannot close the span", got)
	}
	for in, want := range map[string]string{
		"https://example.eu/privacy_policy?a=1&b=2": "<https://example.eu/privacy_policy?a=1&b=2>",
		"https://example.eu/a b":                    `https://example.eu/a b`,
		"https://example.eu/<x>":                    `https://example.eu/\<x\>`,
		"https://example.eu/\nx":                    `https://example.eu/ x`,
	} {
		if got := link(in); got != want {
			t.Errorf("link(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProcessingRecordEscapesEveryUserString(t *testing.T) {
	s := passingJWT(t)
	results := Evaluate(s)
	// A message quotes live objects, which anyone with write access to them shapes.
	results[0].Message = "env X=\"`a`|<img src=x>\n## heading [x](javascript:alert(1))\""
	s.Nodes["eu-node-1"].Labels[corev1.LabelTopologyRegion] = "fsn1|<b>"
	record := ProcessingRecord(s, results)
	for _, raw := range []string{"`a`", "<img", "|<b>", "\n## heading", "[x](javascript"} {
		if regexp.MustCompile(`(^|[^\\])` + regexp.QuoteMeta(raw)).MatchString(record) {
			t.Errorf("the record contains %q unescaped", raw)
		}
	}
	for _, escaped := range []string{"\\`a\\`\\|\\<img src=x\\>", "\\[x\\](javascript:alert(1))", `fsn1\|\<b\>`} {
		if !strings.Contains(record, escaped) {
			t.Errorf("the record lacks the escaped %q", escaped)
		}
	}
}

func TestProcessingRecordNamesTheRecipientsItSees(t *testing.T) {
	t.Run("an LDAP platform names the directory, and nodes without providerID are not named", func(t *testing.T) {
		s := snapshotFor(t, ldapPlatform())
		for _, n := range s.Nodes {
			n.Spec.ProviderID = ""
		}
		record := ProcessingRecord(s, Evaluate(s))
		mustContain(t, record,
			"| the directory at ldap.example.de | identity provider (LDAP) | user names and passwords, at every login | spec.access.ldap.url |",
			"| not named by the node (no spec.providerID: on-premises, or a provider that sets none) | hosting provider of the nodes in fsn1, nbg1 |",
			"the ingress controller of the cluster's default IngressClass, pods in namespace `ingress-system`",
		)
	})
	t.Run("Internal accounts have no identity provider, every IngressClass for the domain is named, guests are described", func(t *testing.T) {
		s := snapshotFor(t, internalSTUNPlatform())
		foreign := *s.Ingresses[0].DeepCopy()
		foreign.Name, foreign.Spec.IngressClassName = "other", nil
		foreign.Annotations = map[string]string{"kubernetes.io/ingress.class": "traefik"}
		s.Ingresses = append(s.Ingresses, foreign)
		record := ProcessingRecord(s, Evaluate(s))
		if strings.Contains(record, "identity provider") {
			t.Error("the record names an identity provider for Internal accounts")
		}
		mustContain(t, record,
			"| the ingress controller of the cluster's default IngressClass, pods in namespace `ingress-nginx` | TLS termination for conf.example.org |",
			"| the ingress controller of IngressClass traefik (annotation kubernetes.io/ingress.class), pods in namespace `ingress-nginx` |",
			"access log minimised: unknown",
			"| Ingress other |",
			// Guests, as prosody admits them.
			"they log in anonymously to the XMPP",
			"can join a room only once an authenticated user has opened it",
			"The lobby is available, but off in every new room",
		)
	})
	t.Run("a platform on a Gateway names the Gateway's proxies as the TLS terminator", func(t *testing.T) {
		s := passing(t, "gateway", gatewayPlatform)
		record := ProcessingRecord(s, Evaluate(s))
		mustContain(t, record,
			"| the proxies of Gateway gateway-system/public (GatewayClass example), pods in namespace `gateway-system` | TLS termination for meet.example.eu |",
			"| HTTPRoute meet |",
		)
		if strings.Contains(record, "the ingress controller of") {
			t.Error("the record names an ingress controller for a platform on a Gateway")
		}
	})
}

func TestProcessingRecordEscapesTableCells(t *testing.T) {
	s := passingJWT(t)
	results := Evaluate(s)
	results[0].Message = "a | b"
	if record := ProcessingRecord(s, results); !strings.Contains(record, `a \| b`) {
		t.Error("a | in a message is not escaped in the measures table")
	}
}

func TestProcessingRecordWithoutRunningPods(t *testing.T) {
	s := passingJWT(t)
	for i := range s.Pods {
		s.Pods[i].Status.Phase = corev1.PodSucceeded
	}
	results := Evaluate(s)
	if r := resultOf(results, "EU-2"); r.Result != v1alpha1.ResultPass {
		t.Errorf("EU-2 with no running pod = %s: %s", r.Result, r.Message)
	}
	if record := ProcessingRecord(s, results); !strings.Contains(record, "no platform pod is running") {
		t.Error("the record does not say that no pod runs")
	}
}

func TestProcessingRecordSaysWhereInternalAccountsAreKept(t *testing.T) {
	s := passingJWT(t)
	s.Platform.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationInternal}
	if record := ProcessingRecord(s, Evaluate(s)); !strings.Contains(record, "lost whenever the XMPP server's pod is replaced") {
		t.Error("without a claim, the record does not say that accounts are lost with the pod")
	}
	s.Platform.Spec.Access.Internal = &v1alpha1.InternalAuthSpec{AccountsClaimName: "prosody-accounts"}
	if record := ProcessingRecord(s, Evaluate(s)); !strings.Contains(record, "on PersistentVolumeClaim `prosody-accounts`") {
		t.Error("with a claim, the record does not name it")
	}
}

// TestProcessingRecordNamesTheIdentityProviderAsSource: with OIDC the record names the
// provider as the source of the data and says what is taken from it, groups only when the
// spec configures them.
func TestProcessingRecordNamesTheIdentityProviderAsSource(t *testing.T) {
	withGroups := passing(t, "oidc-groups", oidcPlatform)
	record := ProcessingRecord(withGroups, Evaluate(withGroups))
	mustContain(t, record,
		"| the OpenID provider at id.example.eu | identity provider (OIDC), the source of the display name (claim `name`) and the group membership (claim `groups`)",
		"that a user logs in to the platform, and when; not the room",
		"single sign-on at the OpenID provider <https://id.example.eu/realms/staff>", "valid for 10m0s",
	)
	noGroups := passing(t, "oidc-confidential", oidcConfidentialPlatform)
	record = ProcessingRecord(noGroups, Evaluate(noGroups))
	mustContain(t, record, "identity provider (OIDC), the source of the display name (claim `name`) |")
	if strings.Contains(record, "the group membership (claim") {
		t.Error("the record of a platform without groups says group membership is taken")
	}
}
