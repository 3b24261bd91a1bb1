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

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func TestControlsDocIsUpToDate(t *testing.T) {
	var want bytes.Buffer
	if err := render(&want, evaluate.Profile, settings.Families); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "controls.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Error("docs/controls.md is out of date with evaluate.Profile: run `make docs` and commit it")
	}
}

func TestControlsDocDocumentsEveryControlAndCondition(t *testing.T) {
	var out bytes.Buffer
	if err := render(&out, evaluate.Profile, settings.Families); err != nil {
		t.Fatal(err)
	}
	doc := out.String()
	if len(evaluate.Profile) == 0 {
		t.Fatal("evaluate.Profile is empty")
	}
	for _, c := range evaluate.Profile {
		if !strings.Contains(doc, "\n### "+string(c.ID)+"\n") {
			t.Errorf("control %s has no section", c.ID)
		}
	}
	for _, f := range settings.Families {
		if !strings.Contains(doc, "condition `"+f.Condition+"`") {
			t.Errorf("family %s (condition %s) has no section", f.Family, f.Condition)
		}
	}
}

func TestRenderGroupsControlsByFamily(t *testing.T) {
	profile := []evaluate.Control{
		{Control: settings.Control{ID: "B-1", Family: "B", Severity: v1alpha1.SeverityHigh, Title: "b one", Remediation: "fix\n  b"}},
		{Control: settings.Control{ID: "X-1", Family: "X", Severity: v1alpha1.SeverityCritical, Title: "overrides | pipes"}},
		{Control: settings.Control{ID: "A-1", Family: "A", Severity: v1alpha1.SeverityLow, Title: "a one", Remediation: "fix a"}},
	}
	families := []settings.FamilyCondition{{Family: "A", Condition: "AlphaOK"}, {Family: "B", Condition: "BetaOK"}}
	var out bytes.Buffer
	if err := render(&out, profile, families); err != nil {
		t.Fatal(err)
	}
	doc := out.String()
	order := []string{"## A: condition `AlphaOK`", "### A-1", "## B: condition `BetaOK`", "### B-1",
		"## X: condition `Compliant`", "### X-1"}
	last := -1
	for _, s := range order {
		i := strings.Index(doc, s)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order in:\n%s", s, doc)
		}
		last = i
	}
	for _, s := range []string{"- Remediation: fix b\n", `overrides \| pipes`, "- Reported by: `Compliant`\n",
		"- Reported by: `AlphaOK` and `Compliant`\n", "- Remediation: none: the operator enforces this control itself.\n"} {
		if !strings.Contains(doc, s) {
			t.Errorf("doc lacks %q:\n%s", s, doc)
		}
	}

	for _, bad := range [][]evaluate.Control{
		{{Control: settings.Control{ID: "A-1", Family: "A", Title: "t"}}, {Control: settings.Control{ID: "A-1", Family: "A", Title: "t"}}},
		{{Control: settings.Control{ID: "A-1", Family: "A"}}},
		{{Control: settings.Control{Family: "A", Title: "t"}}},
	} {
		if err := render(&bytes.Buffer{}, bad, families); err == nil {
			t.Errorf("render accepted %+v", bad)
		}
	}
}
