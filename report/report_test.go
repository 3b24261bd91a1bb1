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

package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func render(t *testing.T, d Document) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestGoldenReports(t *testing.T) {
	for name, failing := range map[string]bool{"compliant": false, "failing": true} {
		t.Run(name, func(t *testing.T) {
			got := render(t, testDocument(failing))
			golden := filepath.Join("testdata", name+".html")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("report differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// The verdict is the first thing in the body: a reader who sees nothing else sees it.
func TestTheVerdictComesFirst(t *testing.T) {
	for failing, verdict := range map[bool]string{false: VerdictCompliant, true: VerdictNotCompliant} {
		html := render(t, testDocument(failing))
		body := html[strings.Index(html, "</header>"):]
		first := regexp.MustCompile(`<div class="text">([^<]*)</div>`).FindStringSubmatch(body)
		if first == nil || first[1] != verdict {
			t.Errorf("failing=%v: the first large text is %q, want %q", failing, first, verdict)
		}
		if failing && strings.Index(body, string(failingControl)) > strings.Index(body, "<h2>") {
			t.Errorf("the failing control %s is not named before the first section", failingControl)
		}
	}
}

// Every string from the cluster is escaped: messages, notes, the record and the spec.
func TestHostileStringsAreEscaped(t *testing.T) {
	const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	d := testDocument(true)
	p := &d.Platforms[0]
	p.MeetingPlatform.Status.Compliance.Controls[0].Message = hostile
	p.MeetingPlatform.Status.Conditions[1].Message = hostile
	p.MeetingPlatform.Spec.PrivacyPolicyURL = "https://example.eu/?" + hostile
	p.MeetingPlatform.Spec.Domain = hostile
	p.Events[0].Note = hostile
	p.Record.Markdown = hostile
	d.Cluster = hostile
	html := render(t, d)
	for _, raw := range []string{"<script>", "<img"} {
		if strings.Contains(html, raw) {
			t.Errorf("the report contains %q unescaped", raw)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile string is not shown escaped")
	}
}

func TestVerdict(t *testing.T) {
	stale := evaluatedPlatform(false)
	stale.Generation = 4
	cacheStale := evaluatedPlatform(false)
	cacheStale.Status.Conditions[1].Status, cacheStale.Status.Conditions[1].Reason = metav1.ConditionUnknown, v1alpha1.ReasonCacheStale
	unevaluated := evaluatedPlatform(false)
	unevaluated.Status = v1alpha1.MeetingPlatformStatus{}
	for name, tc := range map[string]struct {
		mp   *v1alpha1.MeetingPlatform
		want string
	}{
		"compliant":              {evaluatedPlatform(false), VerdictCompliant},
		"failing":                {evaluatedPlatform(true), VerdictNotCompliant},
		"spec changed since":     {stale, VerdictUnknown},
		"operator's cache stale": {cacheStale, VerdictUnknown},
		"never evaluated":        {unevaluated, VerdictUnknown},
	} {
		if got := VerdictOf(tc.mp); got.Text != tc.want {
			t.Errorf("%s: verdict %q (%s), want %q", name, got.Text, got.Why, tc.want)
		}
	}
}

// A catalog control the status does not list is reported as not evaluated, never as passing.
func TestControlsNotInStatusAreNotEvaluated(t *testing.T) {
	mp := evaluatedPlatform(false)
	mp.Status.Compliance.Controls = mp.Status.Compliance.Controls[1:]
	rows := Controls(mp)
	if string(rows[0].ID) != string(settings.Catalog[0].ID) || rows[0].Result != notEvaluated {
		t.Errorf("first row %s %s, want %s %s", rows[0].ID, rows[0].Result, string(settings.Catalog[0].ID), notEvaluated)
	}
}

func TestStatusTable(t *testing.T) {
	var buf bytes.Buffer
	compliant, failing := evaluatedPlatform(false), evaluatedPlatform(true)
	failing.Name = "meet-b"
	if err := StatusTable(&buf, []v1alpha1.MeetingPlatform{*compliant, *failing}); err != nil {
		t.Fatal(err)
	}
	want := `NAMESPACE   NAME     DOMAIN            READY   COMPLIANT   FAILING   CONTROLS
video       meet     meet.example.eu   True    True        0         <none>
video       meet-b   meet.example.eu   False   False       1         EU-2
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("status table (-want +got):\n%s", diff)
	}
}
