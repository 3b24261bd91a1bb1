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

package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The chart's alert rules are checked as Prometheus would load them: rendered by helm template
// (prometheusRule.enabled), their spec checked with `promtool check rules` and unit-tested with
// `promtool test rules` (test/alerts). promtool is $PROMTOOL or bin/promtool (`make promtool`,
// a prerequisite of `make test`); the tests fail, never skip, without it.

// alertTestsDir holds the promtool unit tests of the rules.
var alertTestsDir = []string{"test", "alerts"}

// rulesFileName is the rule file the unit tests load (rule_files), written beside them.
const rulesFileName = "meetwarden.rules.yaml"

// ruleGroups is the spec of a PrometheusRule: what a Prometheus rule file holds.
type ruleGroups struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []rule `json:"rules"`
	} `json:"groups"`
}

type rule struct {
	Alert       string            `json:"alert,omitempty"`
	Record      string            `json:"record,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// promtool runs promtool in dir and returns its output, stdout and stderr together.
func promtool(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	return runIn(t, dir, toolBinary(t, "PROMTOOL", "promtool"), args...)
}

// renderedRules renders the chart with its PrometheusRule and returns the rule's spec.
func renderedRules(t *testing.T) ruleGroups {
	t.Helper()
	objs := renderChart(t, "meetwarden", writeValues(t, "prometheusRule: {enabled: true}\n"))
	data, err := yaml.Marshal(one(t, objs, "PrometheusRule").Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	var groups ruleGroups
	if err := yaml.UnmarshalStrict(data, &groups); err != nil {
		t.Fatalf("the PrometheusRule's spec is no rule file: %v", err)
	}
	return groups
}

// alertTestDir writes the rules and the unit tests of test/alerts into a directory of their
// own, and returns it with the names of the test files.
func alertTestDir(t *testing.T, groups ruleGroups) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	writeYAML(t, filepath.Join(dir, rulesFileName), groups)
	tests, err := filepath.Glob(repoPath(t, append(alertTestsDir, "*.test.yaml")...))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no promtool unit tests in %s (%v)", filepath.Join(alertTestsDir...), err)
	}
	var names []string
	for _, f := range tests {
		name := filepath.Base(f)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(readRepoFile(t, append(alertTestsDir, name)...)), 0o600); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return dir, names
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTheRenderedAlertRulesPassPromtoolAndTheirUnitTests(t *testing.T) {
	dir, tests := alertTestDir(t, renderedRules(t))
	if out, err := promtool(t, dir, "check", "rules", rulesFileName); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	if out, err := promtool(t, dir, append([]string{"test", "rules"}, tests...)...); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// TestEachAlertsUnitTestFailsWhenItsRuleBreaks proves the unit tests judge every rule: with the
// metric name of one rule misspelt (the rule then never fires), promtool test rules fails, and
// says which alert.
func TestEachAlertsUnitTestFailsWhenItsRuleBreaks(t *testing.T) {
	original := renderedRules(t)
	for g := range original.Groups {
		for r, alert := range original.Groups[g].Rules {
			t.Run(alert.Alert, func(t *testing.T) {
				broken := renderedRules(t)
				expr := &broken.Groups[g].Rules[r].Expr
				*expr = strings.Replace(*expr, "meetwarden_", "meetwarden_misspelt_", 1)
				if *expr == alert.Expr {
					t.Fatalf("the expression of %s names no meetwarden metric: %s", alert.Alert, alert.Expr)
				}
				dir, tests := alertTestDir(t, broken)
				out, err := promtool(t, dir, append([]string{"test", "rules"}, tests...)...)
				if err == nil {
					t.Fatalf("promtool test rules passed with %s broken (%s)", alert.Alert, *expr)
				}
				if !strings.Contains(err.Error()+out, "alertname: "+alert.Alert) {
					t.Errorf("the failure does not name %s:\n%v\n%s", alert.Alert, err, out)
				}
			})
		}
	}
}

// alertUnitTests are the alert_rule_test entries of test/alerts, by alert name: how many
// expect the alert to fire, and how many expect nothing.
func alertUnitTests(t *testing.T) (firing, silent map[string]int) {
	t.Helper()
	var file struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `json:"alertname"`
				ExpAlerts []any  `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	firing, silent = map[string]int{}, map[string]int{}
	tests, err := filepath.Glob(repoPath(t, append(alertTestsDir, "*.test.yaml")...))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tests {
		if err := yaml.Unmarshal([]byte(readRepoFile(t, append(alertTestsDir, filepath.Base(f))...)), &file); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, test := range file.Tests {
			for _, c := range test.AlertRuleTest {
				if len(c.ExpAlerts) > 0 {
					firing[c.Alertname]++
				} else {
					silent[c.Alertname]++
				}
			}
		}
	}
	return firing, silent
}

// TestEveryAlertIsTestedBothWaysAndHasARunbook: an alert whose test only expects silence passes
// with any expression, one that only expects firing passes with an expression that always fires.
func TestEveryAlertIsTestedBothWaysAndHasARunbook(t *testing.T) {
	firing, silent := alertUnitTests(t)
	usage := readRepoFile(t, "docs", "usage.md")
	for _, g := range renderedRules(t).Groups {
		for _, r := range g.Rules {
			if firing[r.Alert] == 0 || silent[r.Alert] == 0 {
				t.Errorf("%s: %d unit tests expect it to fire, %d expect silence; want both", r.Alert, firing[r.Alert], silent[r.Alert])
			}
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: want for, a severity label, a summary and a description: %+v", r.Alert, r)
			}
			anchor := strings.ToLower(r.Alert)
			if !strings.HasSuffix(r.Annotations["runbook_url"], "docs/usage.md#"+anchor) || !strings.Contains(usage, "\n### "+r.Alert+"\n") {
				t.Errorf("%s: runbook_url %q must point at its section `### %s` of docs/usage.md", r.Alert, r.Annotations["runbook_url"], r.Alert)
			}
		}
	}
}

func TestThePrometheusRuleIsOffByDefaultAndCarriesItsLabels(t *testing.T) {
	if n := len(only(renderChart(t, "meetwarden"), "PrometheusRule")); n != 0 {
		t.Errorf("the default values rendered %d PrometheusRules, want none", n)
	}
	rule := one(t, renderChart(t, "mw", writeValues(t, customValues)), "PrometheusRule")
	if rule.GetLabels()["release"] != "prometheus" || rule.GetNamespace() != releaseNamespace {
		t.Errorf("PrometheusRule %s/%s labels %v: want release=prometheus in the release namespace", rule.GetNamespace(), rule.GetName(), rule.GetLabels())
	}
}
