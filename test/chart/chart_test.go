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
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// customValues exercises every non-default path of the templates.
const customValues = `
replicaCount: 2
fullnameOverride: ops-meetwarden
image:
  repository: registry.example.eu/platform/meetwarden
  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
imagePullSecrets: [{name: eu-registry}]
crds: {install: false}
serviceAccount:
  name: meetwarden-operator
  annotations: {example.eu/owner: platform-team}
logLevel: debug
maxConcurrentRollouts: 10
extraArgs: ["--zap-encoder=console"]
resources:
  requests: {cpu: 200m, memory: 256Mi}
  limits: {cpu: "1", memory: 512Mi}
podAnnotations: {example.eu/scrape: "false"}
podLabels: {team: platform}
priorityClassName: system-cluster-critical
nodeSelector: {topology.kubernetes.io/region: eu-central-1}
tolerations: [{key: dedicated, operator: Equal, value: platform, effect: NoSchedule}]
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels: {app.kubernetes.io/name: meetwarden}
podDisruptionBudget: {enabled: true, minAvailable: 1}
metrics:
  service: {port: 9090}
serviceMonitor:
  enabled: true
  labels: {release: prometheus}
  interval: 15s
  scrapeTimeout: 5s
prometheusRule:
  enabled: true
  labels: {release: prometheus}
grafanaDashboard:
  enabled: true
  labels: {grafana_dashboard: "1", team: platform}
  annotations: {grafana_folder: Compliance}
`

func TestHelmLintPassesForDefaultAndCustomValues(t *testing.T) {
	helm(t, "lint", "--strict", "--kube-version", kubeVersion, "charts/meetwarden")
	helm(t, "lint", "--strict", "--kube-version", kubeVersion, "charts/meetwarden", "--values", writeValues(t, customValues))
}

func TestChartWithDefaultValues(t *testing.T) {
	objs := renderChart(t, "meetwarden")

	want := []string{"ServiceAccount", "CustomResourceDefinition", "ClusterRole", "ClusterRole", "ClusterRoleBinding",
		"Role", "RoleBinding", "Service", "Deployment"}
	if diff := cmp.Diff(sorted(want), sorted(kinds(objs))); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" || strings.HasPrefix(o.GetKind(), "Cluster") {
			continue
		}
		if o.GetNamespace() != releaseNamespace {
			t.Errorf("%s %s is in namespace %q, want the release's %q", o.GetKind(), o.GetName(), o.GetNamespace(), releaseNamespace)
		}
	}

	crd := one(t, objs, "CustomResourceDefinition")
	if got := crd.GetAnnotations()["helm.sh/resource-policy"]; got != "keep" {
		t.Errorf("CRD helm.sh/resource-policy = %q, want keep: uninstalling must never delete the platforms", got)
	}

	d := typed[appsv1.Deployment](t, one(t, objs, "Deployment"))
	if d.Name != "meetwarden" {
		t.Errorf("Deployment name = %q, want meetwarden (release name, which contains the chart name)", d.Name)
	}
	if *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want 1", *d.Spec.Replicas)
	}
	c := manager(t, d)
	if c.Image != "ghcr.io/meetwarden/meetwarden:0.1.0" {
		t.Errorf("image = %q, want the chart's appVersion as tag", c.Image)
	}
	assertArgs(t, c, "--leader-elect=true", "--leader-election-namespace="+releaseNamespace,
		"--metrics-bind-address=:8443", "--health-probe-bind-address=:8081", "--max-concurrent-rollouts=3",
		"--tokenbridge-image=ghcr.io/meetwarden/meetwarden:0.1.0")
	assertHardened(t, "chart", d)
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() ||
		c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %v: want cpu and memory requests and limits", c.Resources)
	}

	svc := typed[corev1.Service](t, one(t, objs, "Service"))
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8443 || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("metrics Service ports = %+v, want 8443 -> metrics", svc.Spec.Ports)
	}
	assertSelects(t, svc.Spec.Selector, d)

	sa := one(t, objs, "ServiceAccount")
	assertBindsTo(t, objs, sa.GetName())
}

func TestChartWithCustomValues(t *testing.T) {
	objs := renderChart(t, "mw", writeValues(t, customValues))

	if n := len(only(objs, "CustomResourceDefinition")); n != 0 {
		t.Errorf("crds.install=false rendered %d CRDs", n)
	}
	d := typed[appsv1.Deployment](t, one(t, objs, "Deployment"))
	if d.Name != "ops-meetwarden" {
		t.Errorf("Deployment name = %q, want the fullnameOverride", d.Name)
	}
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %d, want 2", *d.Spec.Replicas)
	}
	c := manager(t, d)
	want := "registry.example.eu/platform/meetwarden@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if c.Image != want {
		t.Errorf("image = %q, want %q", c.Image, want)
	}
	assertArgs(t, c, "--leader-elect=true", "--zap-log-level=debug", "--zap-encoder=console", "--max-concurrent-rollouts=10",
		// The token bridge runs the same image, pinned the same way.
		"--tokenbridge-image="+want)
	if got := c.Resources.Limits[corev1.ResourceMemory]; got.Cmp(resource.MustParse("512Mi")) != 0 {
		t.Errorf("memory limit = %s, want 512Mi", got.String())
	}
	if got := c.Resources.Requests[corev1.ResourceCPU]; got.Cmp(resource.MustParse("200m")) != 0 {
		t.Errorf("cpu request = %s, want 200m", got.String())
	}
	spec := d.Spec.Template.Spec
	if spec.ServiceAccountName != "meetwarden-operator" || spec.PriorityClassName != "system-cluster-critical" ||
		len(spec.ImagePullSecrets) != 1 || spec.NodeSelector["topology.kubernetes.io/region"] != "eu-central-1" ||
		len(spec.Tolerations) != 1 || spec.Affinity == nil || spec.Affinity.PodAntiAffinity == nil {
		t.Errorf("pod spec does not carry the custom values: %+v", spec)
	}
	if d.Spec.Template.Labels["team"] != "platform" || d.Spec.Template.Annotations["example.eu/scrape"] != "false" {
		t.Errorf("pod metadata lacks the custom labels or annotations: %+v", d.Spec.Template.ObjectMeta)
	}
	assertHardened(t, "chart (custom values)", d)

	sa := one(t, objs, "ServiceAccount")
	if sa.GetName() != "meetwarden-operator" || sa.GetAnnotations()["example.eu/owner"] != "platform-team" {
		t.Errorf("ServiceAccount = %s %v, want the custom name and annotations", sa.GetName(), sa.GetAnnotations())
	}
	assertBindsTo(t, objs, "meetwarden-operator")

	svc := typed[corev1.Service](t, one(t, objs, "Service"))
	if svc.Spec.Ports[0].Port != 9090 {
		t.Errorf("metrics Service port = %d, want 9090", svc.Spec.Ports[0].Port)
	}
	sm := one(t, objs, "ServiceMonitor")
	if sm.GetLabels()["release"] != "prometheus" {
		t.Errorf("ServiceMonitor labels = %v, want release=prometheus", sm.GetLabels())
	}
	smSelector, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	for k, v := range smSelector {
		if svc.Labels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%s, which the metrics Service lacks (%v)", k, v, svc.Labels)
		}
	}
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(endpoints) != 1 || endpoints[0].(map[string]any)["port"] != "metrics" || endpoints[0].(map[string]any)["interval"] != "15s" {
		t.Fatalf("ServiceMonitor endpoints = %v, want the metrics port every 15s", endpoints)
	}
	assertScrapesWithToken(t, endpoints[0].(map[string]any))

	pdb := typed[policyv1.PodDisruptionBudget](t, one(t, objs, "PodDisruptionBudget"))
	if pdb.Spec.MinAvailable.IntValue() != 1 {
		t.Errorf("PodDisruptionBudget minAvailable = %v, want 1", pdb.Spec.MinAvailable)
	}
	assertSelects(t, pdb.Spec.Selector.MatchLabels, d)
}

func TestChartRefusesInvalidValues(t *testing.T) {
	for _, tc := range []struct {
		name, values, wantErr string
	}{
		{"two replicas need leader election", "replicaCount: 2\nleaderElection: {enabled: false}\n", "leaderElection"},
		{"a misspelt key is an error, not ignored", "replicaCont: 2\n", "replicaCont"},
		{"replicas are at least one", "replicaCount: 0\n", "replicaCount"},
		{"the pull policy is one of Kubernetes'", "image: {pullPolicy: Sometimes}\n", "pullPolicy"},
		{"a digest is a sha256 digest", "image: {digest: latest}\n", "digest"},
		{"resources are quantities", "resources: {limits: {memory: lots}}\n", "memory"},
		{"the log level is one the manager knows", "logLevel: verbose\n", "logLevel"},
		{"the scrape interval is a duration", "serviceMonitor: {enabled: true, interval: often}\n", "interval"},
		{"watched namespaces are namespace names", "watchNamespaces: [Video]\n", "watchNamespaces"},
		{"a watched namespace is named once", "watchNamespaces: [video, video]\n", "watchNamespaces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, helmBinary(t), helmTemplateArgs("meetwarden", writeValues(t, tc.values))...)
			if err == nil {
				t.Fatalf("helm template accepted %q:\n%s", tc.values, out)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error does not name %q: %v", tc.wantErr, err)
			}
		})
	}
}

// manager returns the Deployment's manager container.
func manager(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "manager" {
			return c
		}
	}
	t.Fatalf("Deployment %s has no manager container", d.Name)
	return corev1.Container{}
}

func assertArgs(t *testing.T, c corev1.Container, args ...string) {
	t.Helper()
	for _, arg := range args {
		if !slices.Contains(c.Args, arg) {
			t.Errorf("args %v lack %s", c.Args, arg)
		}
	}
}

// assertHardened checks the security settings both installs must have.
func assertHardened(t *testing.T, what string, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec.SecurityContext
	if pod == nil || pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot || pod.RunAsUser == nil || *pod.RunAsUser != 65532 ||
		pod.SeccompProfile == nil || pod.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext = %+v, want non-root 65532 with seccomp RuntimeDefault", what, pod)
	}
	c := manager(t, d)
	sc := c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
		sc.Privileged != nil && *sc.Privileged {
		t.Errorf("%s: container securityContext = %+v, want no privilege escalation, read-only root, all capabilities dropped", what, sc)
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "health" {
			t.Errorf("%s: %s probe = %+v, want GET %s on the health port", what, p.name, p.probe, p.path)
		}
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if diff := cmp.Diff(map[string]int32{"metrics": 8443, "health": 8081}, ports); diff != "" {
		t.Errorf("%s: container ports (-want +got):\n%s", what, diff)
	}
}

// assertSelects checks that a selector selects the Deployment's pods.
func assertSelects(t *testing.T, selector map[string]string, d *appsv1.Deployment) {
	t.Helper()
	if len(selector) == 0 {
		t.Errorf("empty selector would select every pod in the namespace")
	}
	for k, v := range selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("selector %v does not select the manager pods (labels %v)", selector, d.Spec.Template.Labels)
			return
		}
	}
}

// assertBindsTo checks that every binding names the ServiceAccount the Deployment runs as.
func assertBindsTo(t *testing.T, objs []*unstructured.Unstructured, serviceAccount string) {
	t.Helper()
	d := typed[appsv1.Deployment](t, one(t, objs, "Deployment"))
	if d.Spec.Template.Spec.ServiceAccountName != serviceAccount {
		t.Errorf("Deployment runs as %q, want %q", d.Spec.Template.Spec.ServiceAccountName, serviceAccount)
	}
	// The metrics-reader role's binding, when the values ask for one, is Prometheus'.
	bindings := slices.DeleteFunc(append(only(objs, "ClusterRoleBinding"), only(objs, "RoleBinding")...), func(u *unstructured.Unstructured) bool {
		return strings.HasSuffix(typed[rbacv1.RoleBinding](t, u).RoleRef.Name, metricsReaderSuffix)
	})
	if roles := roleObjects(objs); len(bindings) != len(roles) {
		t.Errorf("want one binding per ClusterRole and Role (%d), found %d bindings", len(roles), len(bindings))
	}
	for _, u := range bindings {
		b := typed[rbacv1.RoleBinding](t, u)
		if len(b.Subjects) != 1 || b.Subjects[0].Kind != "ServiceAccount" || b.Subjects[0].Name != serviceAccount ||
			b.Subjects[0].Namespace != d.Namespace {
			t.Errorf("%s %s binds %+v, want only ServiceAccount %s/%s", u.GetKind(), b.Name, b.Subjects, d.Namespace, serviceAccount)
		}
		if role := findRole(objs, b.RoleRef.Kind, b.RoleRef.Name); role == nil {
			t.Errorf("%s %s refers to %s %s, which the install does not contain", u.GetKind(), b.Name, b.RoleRef.Kind, b.RoleRef.Name)
		}
	}
}

func findRole(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range only(objs, kind) {
		if o.GetName() == name {
			return o
		}
	}
	return nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// assertScrapesWithToken checks that a ServiceMonitor endpoint scrapes the way the secured
// metrics endpoint requires: HTTPS with Prometheus' ServiceAccount token.
func assertScrapesWithToken(t *testing.T, endpoint map[string]any) {
	t.Helper()
	if endpoint["scheme"] != "https" || endpoint["bearerTokenFile"] != "/var/run/secrets/kubernetes.io/serviceaccount/token" {
		t.Errorf("ServiceMonitor endpoint = %v, want https with the ServiceAccount token", endpoint)
	}
	if _, ok := endpoint["tlsConfig"].(map[string]any); !ok {
		t.Errorf("ServiceMonitor endpoint has no tlsConfig: %v", endpoint)
	}
}

func TestChartBindsPrometheusToTheMetricsReaderWhenNamed(t *testing.T) {
	objs := renderChart(t, "meetwarden", writeValues(t, `
serviceMonitor:
  enabled: true
  prometheusServiceAccount: {name: prometheus-k8s, namespace: monitoring}
`))
	var binding *rbacv1.ClusterRoleBinding
	for _, u := range only(objs, "ClusterRoleBinding") {
		if strings.HasSuffix(u.GetName(), metricsReaderSuffix) {
			binding = typed[rbacv1.ClusterRoleBinding](t, u)
		}
	}
	if binding == nil {
		t.Fatal("no ClusterRoleBinding of the metrics-reader role")
	}
	want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "prometheus-k8s", Namespace: "monitoring"}}
	if diff := cmp.Diff(want, binding.Subjects); diff != "" || binding.RoleRef.Name != metricsReader(t, objs).Name {
		t.Errorf("binding %s -> %s, subjects (-want +got):\n%s", binding.Name, binding.RoleRef.Name, diff)
	}
}

func TestChartServesTheMetricsCertificateOfASecret(t *testing.T) {
	objs := renderChart(t, "meetwarden", writeValues(t, "metrics: {certSecretName: meetwarden-metrics-tls}\n"))
	d := typed[appsv1.Deployment](t, one(t, objs, "Deployment"))
	c := manager(t, d)
	var dir string
	for _, m := range c.VolumeMounts {
		if m.Name == "metrics-tls" && m.ReadOnly {
			dir = m.MountPath
		}
	}
	assertArgs(t, c, "--metrics-cert-dir="+dir)
	volumes := d.Spec.Template.Spec.Volumes
	if dir == "" || len(volumes) != 1 || volumes[0].Secret == nil || volumes[0].Secret.SecretName != "meetwarden-metrics-tls" {
		t.Errorf("volumes %+v, mounts %+v: want the Secret mounted read-only where --metrics-cert-dir points", volumes, c.VolumeMounts)
	}
}
