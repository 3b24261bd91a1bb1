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
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The operator runs with least privilege. Every rule of every install (the generated
// config/rbac/role.yaml, the chart, kustomize) is checked: a new RBAC marker that breaks one of
// these rules fails here, with the reason in the message.

func TestRBACIsLeastPrivilege(t *testing.T) {
	for install, objs := range map[string][]*unstructured.Unstructured{
		"config/rbac/role.yaml":            readObjects(t, "config", "rbac", "role.yaml"),
		"helm template (defaults)":         renderChart(t, "meetwarden"),
		"helm template (custom values)":    renderChart(t, "mw", writeValues(t, customValues)),
		"helm template (namespaced)":       renderChart(t, "mw", writeValues(t, namespacedValues)),
		"kubectl kustomize config/default": renderKustomize(t),
	} {
		t.Run(install, func(t *testing.T) {
			rules := operatorRoles(t, objs)
			if len(rules) == 0 {
				t.Fatal("no ClusterRole or Role found")
			}
			for role, rs := range rules {
				for _, problem := range leastPrivilegeProblems(rs) {
					t.Errorf("%s: %s", role, problem)
				}
			}
		})
	}
}

// allowed lists, per resource the operator may touch at all with restricted verbs, the verbs it
// may have. A resource not listed here may have any verb except the forbidden ones below.
var allowed = map[string][]string{
	"/nodes":         {"get", "list", "watch"}, // placement is judged from Nodes, never changed
	"/pods":          {"get", "list", "watch"}, // misplaced pods are evicted, not deleted
	"/pods/eviction": {"create"},               // eviction honours PodDisruptionBudgets
	// Secrets: the generated credentials are written once and never deleted by the operator (the
	// garbage collector deletes them with their MeetingPlatform); the user's Secrets are read.
	"/secrets": {"get", "list", "watch", "create", "update", "patch"},
}

// forbidden are verbs and resources the operator never needs; each would let it grant itself
// more or act as someone else.
var (
	forbiddenVerbs     = []string{"escalate", "bind", "impersonate", "deletecollection"}
	forbiddenResources = map[string]bool{
		"rbac.authorization.k8s.io/": true, "/serviceaccounts/token": true, "/pods/exec": true,
		"/pods/attach": true, "/pods/portforward": true, "/nodes/proxy": true, "/services/proxy": true,
		"certificates.k8s.io/": true, "admissionregistration.k8s.io/": true,
	}
)

func leastPrivilegeProblems(rules []rbacv1.PolicyRule) []string {
	var problems []string
	for _, r := range rules {
		for _, field := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames} {
			if slices.Contains(field, "*") {
				problems = append(problems, fmt.Sprintf("wildcard in %+v: name every API group, resource and verb", r))
			}
		}
		if len(r.NonResourceURLs) > 0 {
			problems = append(problems, fmt.Sprintf("non-resource URLs %v: the operator needs none", r.NonResourceURLs))
		}
		for _, v := range r.Verbs {
			if slices.Contains(forbiddenVerbs, v) {
				problems = append(problems, fmt.Sprintf("verb %q in %+v", v, r))
			}
		}
		for _, g := range r.APIGroups {
			if forbiddenResources[g+"/"] {
				problems = append(problems, fmt.Sprintf("access to API group %q: the operator never changes RBAC, certificates or admission", g))
			}
			for _, res := range r.Resources {
				key := g + "/" + res
				if forbiddenResources[key] {
					problems = append(problems, fmt.Sprintf("access to %s: never needed, and a way around the operator's own limits", key))
				}
				want, restricted := allowed[key]
				if !restricted {
					continue
				}
				for _, v := range r.Verbs {
					if !slices.Contains(want, v) {
						problems = append(problems, fmt.Sprintf("%s has verb %q; allowed: %v", key, v, want))
					}
				}
			}
		}
	}
	return problems
}

func TestLeastPrivilegeCheckCatchesBroadRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule rbacv1.PolicyRule
	}{
		{"a wildcard verb", rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"*"}}},
		{"a wildcard resource", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"*"}, Verbs: []string{"get"}}},
		{"a wildcard API group", rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"deployments"}, Verbs: []string{"get"}}},
		{"writing nodes", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "patch"}}},
		{"deleting pods", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"delete"}}},
		{"deleting secrets", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "delete"}}},
		{"deleting all secrets at once", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"deletecollection"}}},
		{"exec into pods", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create"}}},
		{"editing RBAC", rbacv1.PolicyRule{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"}, Verbs: []string{"create"}}},
		{"a non-resource URL", rbacv1.PolicyRule{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if problems := leastPrivilegeProblems([]rbacv1.PolicyRule{tc.rule}); len(problems) == 0 {
				t.Errorf("%+v passed the least-privilege check", tc.rule)
			}
		})
	}
}

// The metrics-reader role is for Prometheus, not the operator: it grants reading /metrics and
// nothing else, in every install.
func TestMetricsReaderGrantsOnlyGettingTheMetrics(t *testing.T) {
	want := []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}
	for install, objs := range map[string][]*unstructured.Unstructured{
		"config/rbac/metrics_reader_role.yaml": readObjects(t, "config", "rbac", "metrics_reader_role.yaml"),
		"helm template (defaults)":             renderChart(t, "meetwarden"),
		"kubectl kustomize config/default":     renderKustomize(t),
	} {
		if diff := cmp.Diff(want, metricsReader(t, objs).Rules); diff != "" {
			t.Errorf("%s: metrics-reader rules (-want +got):\n%s", install, diff)
		}
	}
}

// The checks above only limit; this one makes sure the limits are not met by granting nothing:
// the manager reads nodes and pods and evicts misplaced pods (EU-2 in Enforce mode).
func TestManagerRoleGrantsPlacementEnforcement(t *testing.T) {
	role := typed[rbacv1.ClusterRole](t, one(t, readObjects(t, "config", "rbac", "role.yaml"), "ClusterRole"))
	granted := map[string][]string{}
	for _, r := range role.Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				granted[g+"/"+res] = append(granted[g+"/"+res], r.Verbs...)
			}
		}
	}
	for _, key := range []string{"/nodes", "/pods", "/pods/eviction"} {
		for _, v := range allowed[key] {
			if !slices.Contains(granted[key], v) {
				t.Errorf("config/rbac/role.yaml does not grant %s on %s", v, key)
			}
		}
	}
}
