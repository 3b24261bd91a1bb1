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
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/meetwarden/meetwarden/test/fixtures"
)

// TestInstallsPassServerSideDryRun sends every object of each install to a real kube-apiserver
// (envtest, KUBEBUILDER_ASSETS) with dryRun=All: the API server validates it completely (schema,
// CRD structural schema and CEL rules, RBAC, admission including Pod Security) but stores
// nothing. Any warning fails the test too: the operator's namespace is labelled to warn on the
// "restricted" Pod Security Standard, so a pod template that breaks it fails here.
//
// ServiceMonitor and PrometheusRule are prometheus-operator's kinds: the test installs a minimal
// CRD for each (monitoring.coreos.com/v1, schema not checked beyond apiVersion, kind and
// metadata) so the objects are dry-run like every other.
func TestInstallsPassServerSideDryRun(t *testing.T) {
	c, warnings := startAPIServer(t)
	ctx := context.Background()

	// The operator's namespace must exist for namespaced objects, even in a dry run: kustomize
	// brings its own Namespace (created for real, so it is validated too); for Helm it is
	// `--create-namespace`'s job, done here with the same Pod Security labels.
	for _, ns := range only(renderKustomize(t), "Namespace") {
		if err := c.Create(ctx, ns); client.IgnoreAlreadyExists(err) != nil {
			t.Fatalf("creating the kustomize Namespace: %v", err)
		}
	}

	// The namespaced install's Roles go into the namespaces it watches, which exist before it.
	for _, name := range watchedNamespaces {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); client.IgnoreAlreadyExists(err) != nil {
			t.Fatalf("creating namespace %s: %v", name, err)
		}
	}

	for install, objs := range map[string][]*unstructured.Unstructured{
		"helm template (defaults)":         renderChart(t, "meetwarden"),
		"helm template (custom values)":    renderChart(t, "mw", writeValues(t, customValues)),
		"helm template (namespaced)":       renderChart(t, "scoped", writeValues(t, namespacedValues)),
		"kubectl kustomize config/default": renderKustomize(t),
	} {
		t.Run(install, func(t *testing.T) {
			for _, obj := range objs {
				if obj.GetKind() == "Namespace" {
					continue // created above
				}
				warnings.reset()
				if err := c.Create(ctx, obj, client.DryRunAll); err != nil {
					t.Errorf("%s %s: the API server refused it: %v", obj.GetKind(), obj.GetName(), err)
				}
				for _, w := range warnings.get() {
					t.Errorf("%s %s: API server warning: %s", obj.GetKind(), obj.GetName(), w)
				}
			}
		})
	}
}

// TestDryRunCatchesPodSecurityViolations proves the test above is not vacuous: a pod template
// that breaks the restricted standard produces a warning, and an invalid object an error.
func TestDryRunCatchesPodSecurityViolations(t *testing.T) {
	c, warnings := startAPIServer(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "psa-check",
		Labels: map[string]string{"pod-security.kubernetes.io/warn": "restricted"}}}
	if err := c.Create(ctx, ns); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	d := one(t, renderChart(t, "meetwarden"), "Deployment")
	d.SetNamespace(ns.Name)
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	delete(containers[0].(map[string]any), "securityContext")
	if err := unstructured.SetNestedSlice(d.Object, containers, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
	warnings.reset()
	if err := c.Create(ctx, d, client.DryRunAll); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if got := warnings.get(); len(got) == 0 || !strings.Contains(strings.Join(got, " "), "restricted") {
		t.Errorf("a container without securityContext raised no Pod Security warning (warnings: %v)", got)
	}

	if err := unstructured.SetNestedField(d.Object, "not-a-number", "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, d, client.DryRunAll); err == nil {
		t.Error("a Deployment with replicas: not-a-number passed the dry run")
	}
}

// One API server serves every test of the package; it is stopped when the test binary exits.
var (
	apiServerOnce sync.Once
	apiServer     struct {
		client   client.Client
		warnings *warningCollector
		err      error
	}
)

func startAPIServer(t *testing.T) (client.Client, *warningCollector) {
	t.Helper()
	apiServerOnce.Do(func() {
		if os.Getenv("KUBEBUILDER_ASSETS") == "" {
			apiServer.err = fmt.Errorf("KUBEBUILDER_ASSETS is not set: run the tests with `make test`, " +
				"or KUBEBUILDER_ASSETS=$(hack/build-controlplane.sh | tail -1)/bin")
			return
		}
		env := &envtest.Environment{
			CRDInstallOptions: envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{
				monitoringCRD("ServiceMonitor"), monitoringCRD("PrometheusRule"),
			}},
		}
		cfg, err := env.Start()
		if err != nil {
			apiServer.err = fmt.Errorf("starting envtest: %w", err)
			return
		}
		stopAPIServer = func() { _ = env.Stop() }
		apiServer.warnings = &warningCollector{}
		cfg = rest.CopyConfig(cfg)
		cfg.WarningHandlerWithContext = apiServer.warnings
		apiServer.client, apiServer.err = client.New(cfg, client.Options{})
	})
	if apiServer.err != nil {
		t.Fatal(apiServer.err)
	}
	return apiServer.client, apiServer.warnings
}

var stopAPIServer = func() {}

func TestMain(m *testing.M) {
	code := m.Run()
	stopAPIServer()
	os.Exit(code)
}

// monitoringCRD stands in for one of prometheus-operator's CRDs (ServiceMonitor,
// PrometheusRule).
func monitoringCRD(kind string) *apiextensionsv1.CustomResourceDefinition {
	return fixtures.StandInCRD("monitoring.coreos.com", kind)
}

// warningCollector records the API server's warnings (Warning response headers).
type warningCollector struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningCollector) HandleWarningHeaderWithContext(_ context.Context, code int, _ string, text string) {
	if code != 299 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, text)
}

func (w *warningCollector) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = nil
}

func (w *warningCollector) get() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.warnings...)
}
