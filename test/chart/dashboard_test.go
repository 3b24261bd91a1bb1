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
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/meetwarden/meetwarden/controllers"
)

// dashboardPath is the Grafana dashboard the chart ships (grafanaDashboard.enabled).
var dashboardPath = []string{"charts", "meetwarden", "dashboards", "meetwarden.json"}

// controllerRuntimeMetrics are the metrics of controller-runtime v0.24 the dashboard may use:
// those of its reconcilers (pkg/internal/controller/metrics/metrics.go, read in the module
// cache at v0.24.1).
var controllerRuntimeMetrics = []string{
	"controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total",
	"controller_runtime_terminal_reconcile_errors_total", "controller_runtime_reconcile_panics_total",
	"controller_runtime_reconcile_time_seconds", "controller_runtime_max_concurrent_reconciles",
	"controller_runtime_active_workers", "controller_runtime_reconcile_timeouts_total",
}

type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID      int    `json:"id"`
	Title   string `json:"title"`
	Type    string `json:"type"`
	GridPos *struct {
		W int `json:"w"`
		H int `json:"h"`
	} `json:"gridPos"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal([]byte(readRepoFile(t, dashboardPath...)), &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", filepath.Join(dashboardPath...), err)
	}
	return d
}

// dashboardQueries are the PromQL expressions of the dashboard: every panel's targets and the
// series of every label_values() variable, by where they are.
func dashboardQueries(t *testing.T, d dashboard) map[string]string {
	t.Helper()
	queries := map[string]string{}
	for _, p := range d.Panels {
		for _, target := range p.Targets {
			queries[fmt.Sprintf("panel %q target %s", p.Title, target.RefID)] = target.Expr
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.*),\s*[a-zA-Z_]+\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		query, _ := v.Query.(map[string]any)["query"].(string)
		m := labelValues.FindStringSubmatch(query)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(<series>, <label>)", v.Name, query)
			continue
		}
		queries["variable "+v.Name] = m[1]
	}
	return queries
}

// grafanaVariables replaces Grafana's own variables outside label matchers, which PromQL does
// not know, with what Grafana puts there.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__range", "1h")

func TestTheDashboardIsValidAndItsQueriesParse(t *testing.T) {
	d := readDashboard(t)
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard uid %q, title %q, %d panels: want all three", d.UID, d.Title, len(d.Panels))
	}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if p.Title == "" || p.Type == "" || p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 || len(p.Targets) == 0 || ids[p.ID] {
			t.Errorf("panel %d %q: want a unique id, a title, a type, a size and a query", p.ID, p.Title)
		}
		ids[p.ID] = true
	}
	if out, err := checkQueries(t, dashboardQueries(t, d)); err != nil {
		t.Fatalf("promtool check rules on the dashboard's queries: %v\n%s", err, out)
	}
	if _, err := checkQueries(t, map[string]string{"a broken query": `sum by (namespace (meetwarden_controls)`}); err == nil {
		t.Error("promtool accepted a query that does not parse: the check above proves nothing")
	}
}

// checkQueries parses PromQL queries with promtool: each becomes a recording rule, named after
// its place in the output, which promtool checks like Prometheus loads it.
func checkQueries(t *testing.T, queries map[string]string) (string, error) {
	t.Helper()
	var file ruleGroups
	file.Groups = make([]struct {
		Name  string `json:"name"`
		Rules []rule `json:"rules"`
	}, 1)
	file.Groups[0].Name = "dashboard"
	for i, at := range sortedKeys(queries) {
		file.Groups[0].Rules = append(file.Groups[0].Rules, rule{
			Record: fmt.Sprintf("dashboard:query_%d", i), Expr: grafanaVariables.Replace(queries[at]),
			Labels: map[string]string{"query": at},
		})
	}
	dir := t.TempDir()
	writeYAML(t, filepath.Join(dir, "dashboard.rules.yaml"), file)
	return promtool(t, dir, "check", "rules", "dashboard.rules.yaml")
}

func TestTheDashboardQueriesOnlyMetricsTheOperatorExports(t *testing.T) {
	known := append(controllers.MetricNames(), controllerRuntimeMetrics...)
	used := map[string]bool{}
	for at, expr := range dashboardQueries(t, readDashboard(t)) {
		for _, name := range metricNames(expr) {
			used[name] = true
			if !slices.Contains(known, histogramBase(name)) {
				t.Errorf("%s queries %s, which neither the operator nor controller-runtime exports", at, name)
			}
		}
	}
	// What the issue asks the dashboard to show: controls per platform, drift reverts, reconcile errors.
	for _, want := range []string{"meetwarden_controls", "meetwarden_control_result", "meetwarden_drift_reverts_total", "controller_runtime_reconcile_errors_total"} {
		if !used[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
}

func TestMetricNamesFindsEveryMetricOfAnExpression(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`sum by (namespace, platform) (meetwarden_controls{namespace=~"$namespace", result="Fail"})`, "meetwarden_controls"},
		{`count(meetwarden_platform_stalled == 1) or vector(0)`, "meetwarden_platform_stalled"},
		{`histogram_quantile(0.99, sum by (le) (rate(controller_runtime_reconcile_time_seconds_bucket[5m])))`, "controller_runtime_reconcile_time_seconds_bucket"},
		{`meetwarden_certificate_expiry_timestamp_seconds - time() < 14 * 24 * 3600`, "meetwarden_certificate_expiry_timestamp_seconds"},
		{`sum(rate(meetwarden_drift_revert_total[5m])) / on (namespace) group_left meetwarden_controls`, "meetwarden_drift_revert_total meetwarden_controls"},
	} {
		if got := strings.Join(metricNames(tc.expr), " "); got != tc.want {
			t.Errorf("metricNames(%s) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

// metricNames lists the metric names of a PromQL expression: what is left once strings, label
// matchers, ranges, grouping clauses, functions, keywords and numbers are taken out.
func metricNames(expr string) []string {
	for _, drop := range []*regexp.Regexp{
		regexp.MustCompile(`"(?:[^"\\]|\\.)*"`),
		regexp.MustCompile(`\{[^}]*\}`),
		regexp.MustCompile(`\[[^\]]*\]`),
		regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`),
		regexp.MustCompile(`\b[a-z_]+\s*\(`),
		regexp.MustCompile(`\b(?:and|or|unless|bool|offset|group_left|group_right)\b`),
	} {
		expr = drop.ReplaceAllString(expr, " ")
	}
	return regexp.MustCompile(`\b[a-zA-Z_:][a-zA-Z0-9_:]*\b`).FindAllString(expr, -1)
}

// histogramBase is the histogram a _bucket, _sum or _count series belongs to.
func histogramBase(name string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(controllerRuntimeMetrics, base) {
			return base
		}
	}
	return name
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestTheDashboardConfigMapIsOffByDefaultAndHoldsTheDashboard(t *testing.T) {
	if n := len(only(renderChart(t, "meetwarden"), "ConfigMap")); n != 0 {
		t.Errorf("the default values rendered %d ConfigMaps, want none", n)
	}
	for _, tc := range []struct{ values, wantNamespace string }{
		{customValues, releaseNamespace},
		{"grafanaDashboard: {enabled: true, namespace: monitoring}\n", "monitoring"},
	} {
		cm := one(t, renderChart(t, "mw", writeValues(t, tc.values)), "ConfigMap")
		if cm.GetLabels()["grafana_dashboard"] != "1" || cm.GetNamespace() != tc.wantNamespace {
			t.Errorf("dashboard ConfigMap %s/%s labels %v: want grafana_dashboard=1 in %s", cm.GetNamespace(), cm.GetName(), cm.GetLabels(), tc.wantNamespace)
		}
		data, _, _ := unstructured.NestedString(cm.Object, "data", "meetwarden.json")
		if data != strings.TrimSuffix(readRepoFile(t, dashboardPath...), "\n") {
			t.Errorf("the ConfigMap's meetwarden.json is not dashboards/meetwarden.json")
		}
	}
}
