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

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The chart's CRDs and ClusterRole are generated from config/ by hack/sync-chart.sh (run by
// `make manifests`). These tests fail when someone regenerated config/ without the chart, or
// edited the chart by hand.

const staleHint = "the chart is out of date with config/: run `make manifests` (hack/sync-chart.sh)"

func TestChartCRDsAreTheGeneratedCRDs(t *testing.T) {
	files, err := filepath.Glob(repoPath(t, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases (%v)", err)
	}
	generated := map[string]*unstructured.Unstructured{}
	for _, f := range files {
		rel, _ := filepath.Rel(repoRoot(t), f)
		crd := one(t, readObjects(t, rel), "CustomResourceDefinition")
		generated[crd.GetName()] = crd
	}

	for install, objs := range map[string][]*unstructured.Unstructured{
		"helm template":                    renderChart(t, "meetwarden"),
		"kubectl kustomize config/default": renderKustomize(t),
	} {
		crds := only(objs, "CustomResourceDefinition")
		if len(crds) != len(generated) {
			t.Errorf("%s: %d CRDs, config/crd/bases has %d; %s", install, len(crds), len(generated), staleHint)
		}
		for _, crd := range crds {
			want, ok := generated[crd.GetName()]
			if !ok {
				t.Errorf("%s: CRD %s is not in config/crd/bases; %s", install, crd.GetName(), staleHint)
				continue
			}
			if diff := cmp.Diff(want.Object["spec"], crd.Object["spec"]); diff != "" {
				t.Errorf("%s: CRD %s differs from config/crd/bases (-config +install); %s\n%s", install, crd.GetName(), staleHint, diff)
			}
			annotations := crd.GetAnnotations()
			delete(annotations, "helm.sh/resource-policy")
			if diff := cmp.Diff(want.GetAnnotations(), annotations); diff != "" {
				t.Errorf("%s: CRD %s annotations (-config +install):\n%s", install, crd.GetName(), diff)
			}
		}
	}
}

func TestChartClusterRoleIsTheGeneratedRole(t *testing.T) {
	want := typed[rbacv1.ClusterRole](t, one(t, readObjects(t, "config", "rbac", "role.yaml"), "ClusterRole"))
	got := managerRole(t, renderChart(t, "meetwarden"))
	if diff := cmp.Diff(want.Rules, got.Rules); diff != "" {
		t.Errorf("chart ClusterRole rules differ from config/rbac/role.yaml (-config +chart); %s\n%s", staleHint, diff)
	}
	fromKustomize := managerRole(t, renderKustomize(t))
	if diff := cmp.Diff(want.Rules, fromKustomize.Rules); diff != "" {
		t.Errorf("kustomize ClusterRole rules differ from config/rbac/role.yaml (-config +kustomize):\n%s", diff)
	}
}

// TestChartTemplatesAreWhatSyncChartWrites runs hack/sync-chart.sh on a copy of the inputs and
// compares its output with the committed templates byte for byte, so even a change that
// renders the same (a comment, a reordered key) is caught.
func TestChartTemplatesAreWhatSyncChartWrites(t *testing.T) {
	scratch := t.TempDir()
	for _, dir := range []string{"hack", "config/crd/bases", "config/rbac", "charts/meetwarden/templates"} {
		copyDir(t, repoPath(t, dir), filepath.Join(scratch, dir))
	}
	if out, err := runIn(t, scratch, filepath.Join(scratch, "hack", "sync-chart.sh")); err != nil {
		t.Fatalf("hack/sync-chart.sh: %v\n%s", err, out)
	}
	generated, _ := filepath.Glob(filepath.Join(scratch, "charts/meetwarden/templates/*.yaml"))
	for _, f := range generated {
		name := filepath.Base(f)
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(repoPath(t, "charts/meetwarden/templates", name))
		if err != nil {
			t.Errorf("%s: %v; %s", name, err, staleHint)
			continue
		}
		if string(want) != string(got) {
			t.Errorf("charts/meetwarden/templates/%s is not what hack/sync-chart.sh writes; %s", name, staleHint)
		}
	}
	committed, _ := filepath.Glob(repoPath(t, "charts/meetwarden/templates/crd-*.yaml"))
	for _, f := range committed {
		if _, err := os.Stat(filepath.Join(scratch, "charts/meetwarden/templates", filepath.Base(f))); err != nil {
			t.Errorf("charts/meetwarden/templates/%s has no CRD in config/crd/bases; %s", filepath.Base(f), staleHint)
		}
	}
}

// TestChartAndKustomizeRunTheSameManager compares the manager pod of both installs: the
// security settings, probes, ports, resources and the flags that matter must not drift apart.
func TestChartAndKustomizeRunTheSameManager(t *testing.T) {
	chart := typed[appsv1.Deployment](t, one(t, renderChart(t, "meetwarden"), "Deployment"))
	kustomize := typed[appsv1.Deployment](t, one(t, renderKustomize(t), "Deployment"))
	assertHardened(t, "kustomize", kustomize)

	comparable := func(d *appsv1.Deployment) corev1.PodSpec {
		spec := *d.Spec.Template.Spec.DeepCopy()
		spec.ServiceAccountName = ""
		for i := range spec.Containers {
			c := &spec.Containers[i]
			c.Image = ""
			// The chart also passes its namespace and log level explicitly; the manager's defaults
			// (the pod's namespace, info) are the same.
			var args []string
			for _, a := range c.Args {
				// The token bridge's image is the manager's own, compared like the image.
				if a != "--leader-election-namespace="+d.Namespace && a != "--zap-log-level=info" && !strings.HasPrefix(a, "--tokenbridge-image=") {
					args = append(args, a)
				}
			}
			c.Args = args
		}
		return spec
	}
	if diff := cmp.Diff(comparable(chart), comparable(kustomize)); diff != "" {
		t.Errorf("the manager pod differs between the chart and config/manager (-chart +kustomize):\n%s", diff)
	}

	chartRole := typed[rbacv1.Role](t, one(t, renderChart(t, "meetwarden"), "Role"))
	kustomizeRole := typed[rbacv1.Role](t, one(t, renderKustomize(t), "Role"))
	if diff := cmp.Diff(chartRole.Rules, kustomizeRole.Rules); diff != "" {
		t.Errorf("the leader-election Role differs (-chart +kustomize):\n%s", diff)
	}
}

func TestKustomizeInstallIsComplete(t *testing.T) {
	objs := renderKustomize(t)
	want := []string{"Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRole", "ClusterRoleBinding",
		"Role", "RoleBinding", "Service", "Deployment"}
	if diff := cmp.Diff(sorted(want), sorted(kinds(objs))); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	for _, o := range objs {
		switch o.GetKind() {
		case "Namespace":
			if o.GetName() != releaseNamespace {
				t.Errorf("Namespace %s, want %s", o.GetName(), releaseNamespace)
			}
			if o.GetLabels()["pod-security.kubernetes.io/enforce"] != "restricted" {
				t.Errorf("Namespace %s does not enforce the restricted Pod Security Standard", o.GetName())
			}
		case "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding":
		default:
			if o.GetNamespace() != releaseNamespace {
				t.Errorf("%s %s is in namespace %q, want %q", o.GetKind(), o.GetName(), o.GetNamespace(), releaseNamespace)
			}
		}
	}
	d := typed[appsv1.Deployment](t, one(t, objs, "Deployment"))
	if d.Name != "meetwarden-controller-manager" {
		t.Errorf("Deployment name = %q, want meetwarden-controller-manager", d.Name)
	}
	if c := manager(t, d); c.Image != "ghcr.io/meetwarden/meetwarden:0.1.0" {
		t.Errorf("image = %q, want the one set by config/manager's images:", c.Image)
	}
	svc := typed[corev1.Service](t, one(t, objs, "Service"))
	assertSelects(t, svc.Spec.Selector, d)
	assertBindsTo(t, objs, "meetwarden-controller-manager")
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if e.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
