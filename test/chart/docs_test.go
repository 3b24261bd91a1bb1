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
	"os"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// docs/install.md documents every value of the chart and every resource the operator may
// touch; these tests fail when a value or an RBAC rule is added without its documentation.

func TestInstallDocDocumentsEveryValue(t *testing.T) {
	doc := readRepoFile(t, "docs", "install.md")
	for _, key := range leafKeys("", defaultValues(t)) {
		if !strings.Contains(doc, "`"+key+"`") {
			t.Errorf("docs/install.md does not document the value `%s`", key)
		}
	}
}

func TestValuesSchemaDescribesEveryValue(t *testing.T) {
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	data, err := os.ReadFile(repoPath(t, "charts", "meetwarden", "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	for key := range defaultValues(t) {
		if _, ok := schema.Properties[key]; !ok {
			t.Errorf("values.schema.json has no property %q, so the value is refused", key)
		}
	}
}

func TestInstallDocExplainsEveryGrantedResource(t *testing.T) {
	doc := readRepoFile(t, "docs", "install.md")
	role := typed[rbacv1.ClusterRole](t, one(t, readObjects(t, "config", "rbac", "role.yaml"), "ClusterRole"))
	for _, r := range role.Rules {
		for _, res := range r.Resources {
			if !strings.Contains(doc, "`"+res+"`") {
				t.Errorf("docs/install.md does not explain why the operator may %v `%s`", r.Verbs, res)
			}
		}
	}
}

func defaultValues(t *testing.T) map[string]any {
	t.Helper()
	var values map[string]any
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "charts", "meetwarden", "values.yaml")), &values); err != nil {
		t.Fatal(err)
	}
	return values
}

func readRepoFile(t *testing.T, elem ...string) string {
	t.Helper()
	data, err := os.ReadFile(repoPath(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// leafKeys lists the dotted paths of a values tree down to scalars, lists and empty maps.
func leafKeys(prefix string, values map[string]any) []string {
	var out []string
	for k, v := range values {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if m, ok := v.(map[string]any); ok && len(m) > 0 && key != "resources" {
			out = append(out, leafKeys(key, m)...)
			continue
		}
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}
