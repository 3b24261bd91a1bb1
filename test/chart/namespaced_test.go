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
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
)

// namespacedValues install the operator for two namespaces only (docs/install.md).
const namespacedValues = `
watchNamespaces: [video, video-staging]
`

// watchedNamespaces are the namespaces of namespacedValues.
var watchedNamespaces = []string{"video", "video-staging"}

// clusterWideGrants are what the namespaced mode still grants cluster-wide: Nodes are
// cluster-scoped and placement reads them all; the installations' claims are listed in every
// namespace (controllers/installation); IngressClasses and GatewayClasses are cluster-scoped
// (TLS-1).
var clusterWideGrants = sets.New("/nodes get", "/nodes list", "/nodes watch", "coordination.k8s.io/leases list",
	"networking.k8s.io/ingressclasses get", "networking.k8s.io/ingressclasses list", "networking.k8s.io/ingressclasses watch",
	"gateway.networking.k8s.io/gatewayclasses get", "gateway.networking.k8s.io/gatewayclasses list", "gateway.networking.k8s.io/gatewayclasses watch")

func TestChartInNamespacedModeGrantsByRolePerNamespace(t *testing.T) {
	objs := renderChart(t, "meetwarden", writeValues(t, namespacedValues))

	generated := grants(typed[rbacv1.ClusterRole](t, one(t, readObjects(t, "config", "rbac", "role.yaml"), "ClusterRole")).Rules)
	clusterRole := grants(managerRole(t, objs).Rules)
	if diff := cmp.Diff(sets.List(clusterWideGrants), sets.List(clusterRole)); diff != "" {
		t.Errorf("the ClusterRole of the namespaced mode grants (-want +got):\n%s", diff)
	}

	roles := map[string]sets.Set[string]{}
	for _, u := range only(objs, "Role") {
		if u.GetName() == "meetwarden-manager" {
			roles[u.GetNamespace()] = grants(typed[rbacv1.Role](t, u).Rules)
		}
	}
	if diff := cmp.Diff(watchedNamespaces, sets.List(sets.KeySet(roles))); diff != "" {
		t.Fatalf("namespaces with a manager Role (-want +got):\n%s", diff)
	}
	for ns, granted := range roles {
		// Together the ClusterRole and each Role are exactly the generated rules: nothing lost
		// in the split, nothing added, and nothing granted twice.
		if diff := cmp.Diff(sets.List(generated), sets.List(granted.Union(clusterRole))); diff != "" {
			t.Errorf("ClusterRole plus the Role of %s differ from config/rbac/role.yaml (-config +chart); %s\n%s", ns, staleHint, diff)
		}
		if both := granted.Intersection(clusterRole); both.Len() > 0 {
			t.Errorf("the Role of %s repeats what the ClusterRole grants: %v", ns, sets.List(both))
		}
	}

	c := manager(t, typed[appsv1.Deployment](t, one(t, objs, "Deployment")))
	assertArgs(t, c, "--watch-namespaces=video,video-staging")
	assertBindsTo(t, objs, one(t, objs, "ServiceAccount").GetName())
}

func TestChartInClusterModeHasNoNamespacedRoles(t *testing.T) {
	objs := renderChart(t, "meetwarden")
	for _, u := range only(objs, "Role") {
		if u.GetName() != "meetwarden-leader-election" {
			t.Errorf("cluster mode renders Role %s/%s", u.GetNamespace(), u.GetName())
		}
	}
	c := manager(t, typed[appsv1.Deployment](t, one(t, objs, "Deployment")))
	if slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, "--watch-namespaces") }) {
		t.Errorf("cluster mode passes --watch-namespaces: %v", c.Args)
	}
}

// grants expands rules into "group/resource verb" strings, one per right.
func grants(rules []rbacv1.PolicyRule) sets.Set[string] {
	out := sets.New[string]()
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out.Insert(g + "/" + res + " " + v)
				}
			}
		}
	}
	return out
}

// roleObjects are the ClusterRoles and Roles of an install.
// roleObjects are the operator's own ClusterRoles and Roles: every one but the metrics-reader
// role, which is for whoever scrapes the operator.
func roleObjects(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	return slices.DeleteFunc(append(only(objs, "ClusterRole"), only(objs, "Role")...), func(u *unstructured.Unstructured) bool {
		return strings.HasSuffix(u.GetName(), metricsReaderSuffix)
	})
}
