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

// Package chart tests the two ways of installing the operator, the Helm chart
// (charts/meetwarden) and kustomize (config/default): they render, they agree with the
// generated CRD and RBAC in config/, their RBAC is least privilege, and a real kube-apiserver
// accepts every object they contain (server-side dry run).
//
// The tests need bin/helm (`make helm`, a prerequisite of `make test`) and kubectl (for
// `kubectl kustomize`); they fail, never skip, when either is missing.
package chart

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	// kubeVersion is the version of the control plane the tests run (hack/build-controlplane.sh);
	// `helm template` renders for it.
	kubeVersion = "v1.36.3"
	// releaseNamespace is where the tests install the chart, like the docs do.
	releaseNamespace = "meetwarden-system"
)

// repoRoot is the repository's top directory (this package is test/chart).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func repoPath(t *testing.T, elem ...string) string {
	return filepath.Join(append([]string{repoRoot(t)}, elem...)...)
}

// helmBinary is $HELM or bin/helm, which `make helm` builds. A missing binary fails the test.
func helmBinary(t *testing.T) string {
	t.Helper()
	return toolBinary(t, "HELM", "helm")
}

// toolBinary is the tool named by the environment variable env, or bin/<name>, which
// `make <name>` builds (a prerequisite of `make test`). A missing binary fails the test.
func toolBinary(t *testing.T, env, name string) string {
	t.Helper()
	bin := os.Getenv(env)
	if bin == "" {
		bin = repoPath(t, "bin", name)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s not found at %s (run `make %s`, which `make test` does first): %v", name, bin, name, err)
	}
	return bin
}

// run executes a command in the repository and returns its standard output; stderr goes into
// the error.
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	return runIn(t, repoRoot(t), name, args...)
}

func runIn(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), errors.New(strings.TrimSpace(err.Error() + ": " + stderr.String()))
	}
	return stdout.String(), nil
}

// helm runs bin/helm and fails the test on error.
func helm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, helmBinary(t), args...)
	if err != nil {
		t.Fatalf("helm %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// writeValues writes a values file. Not into t.TempDir(): its path holds the test's name, which
// may contain a comma, and helm splits --values at commas.
func writeValues(t *testing.T, values string) string {
	t.Helper()
	f, err := os.CreateTemp("", "meetwarden-values-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(f.Name()) })
	if _, err := f.WriteString(values); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// helmTemplateArgs are the arguments of `helm template` for a release named release, with
// optional values files.
func helmTemplateArgs(release string, valueFiles ...string) []string {
	args := []string{"template", release, "charts/meetwarden", "--namespace", releaseNamespace,
		"--kube-version", kubeVersion}
	for _, f := range valueFiles {
		args = append(args, "--values", f)
	}
	return args
}

// renderChart renders the chart and returns its objects.
func renderChart(t *testing.T, release string, valueFiles ...string) []*unstructured.Unstructured {
	t.Helper()
	return decode(t, helm(t, helmTemplateArgs(release, valueFiles...)...))
}

// renderKustomize builds config/default with `kubectl kustomize`.
func renderKustomize(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is needed for `kubectl kustomize`: %v", err)
	}
	out, err := run(t, kubectl, "kustomize", "config/default")
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v", err)
	}
	return decode(t, out)
}

// readObjects reads the objects of a YAML file of the repository.
func readObjects(t *testing.T, elem ...string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(repoPath(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, string(data))
}

// decode splits a multi-document YAML stream into objects, skipping empty documents.
func decode(t *testing.T, stream string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("reading YAML: %v", err)
		}
		obj := map[string]any{}
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatalf("decoding YAML document:\n%s\n%v", doc, err)
		}
		if len(obj) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: obj})
	}
}

// only returns the objects of one kind.
func only(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// one returns the single object of a kind, failing when there is not exactly one.
func one(t *testing.T, objs []*unstructured.Unstructured, kind string) *unstructured.Unstructured {
	t.Helper()
	found := only(objs, kind)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s, found %d", kind, len(found))
	}
	return found[0]
}

// metricsReaderSuffix ends the name of the ClusterRole that lets Prometheus scrape the
// operator; it is not the operator's own role.
const metricsReaderSuffix = "metrics-reader"

// operatorRoles returns the ClusterRoles and Roles the operator itself runs with, by kind and
// name: every one but the metrics-reader role, which is for whoever scrapes.
func operatorRoles(t *testing.T, objs []*unstructured.Unstructured) map[string][]rbacv1.PolicyRule {
	t.Helper()
	rules := map[string][]rbacv1.PolicyRule{}
	for _, kind := range []string{"ClusterRole", "Role"} {
		for _, u := range only(objs, kind) {
			if !strings.HasSuffix(u.GetName(), metricsReaderSuffix) {
				rules[kind+" "+u.GetName()] = typed[rbacv1.ClusterRole](t, u).Rules
			}
		}
	}
	return rules
}

// managerRole returns the operator's one ClusterRole.
func managerRole(t *testing.T, objs []*unstructured.Unstructured) *rbacv1.ClusterRole {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, u := range only(objs, "ClusterRole") {
		if !strings.HasSuffix(u.GetName(), metricsReaderSuffix) {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one ClusterRole of the operator, found %d", len(found))
	}
	return typed[rbacv1.ClusterRole](t, found[0])
}

// metricsReader returns the metrics-reader ClusterRole.
func metricsReader(t *testing.T, objs []*unstructured.Unstructured) *rbacv1.ClusterRole {
	t.Helper()
	for _, u := range only(objs, "ClusterRole") {
		if strings.HasSuffix(u.GetName(), metricsReaderSuffix) {
			return typed[rbacv1.ClusterRole](t, u)
		}
	}
	t.Fatal("no metrics-reader ClusterRole")
	return nil
}

// typed converts an object to its Go type.
func typed[T any](t *testing.T, u *unstructured.Unstructured) *T {
	t.Helper()
	out := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, out, true); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
	return out
}

// kinds lists the kinds of objects, in order.
func kinds(objs []*unstructured.Unstructured) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.GetKind())
	}
	return out
}
