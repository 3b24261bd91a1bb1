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
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/test/utils"
)

// The plugin runs against a real kube-apiserver (with RBAC) as a user that holds exactly
// config/rbac/report_reader_role.yaml; the test writes the platforms' status through the status
// subresource as the operator would.
var apiServer = &utils.LazyAPIServer{
	Environment: envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}},
	Package:     "cmd/kubectl-meetwarden",
}

func TestMain(m *testing.M) { os.Exit(apiServer.Stop(m.Run())) }

const (
	testNamespace   = "video"
	failingControl  = string(settings.EU2)
	failingEvidence = "pod meet-b-jvb-1/jvb runs on node worker-us (region us-east-1)"
	driftNote       = "Deployment/meet-b-web: env ENABLE_RECORDING removed"
	operatorImage   = "ghcr.io/meetwarden/meetwarden:0.1.0"
	recordText      = "# Record of processing activities of meet-a"
)

func TestStatusAndReportWithOnlyTheReaderRole(t *testing.T) {
	ctx := context.Background()
	admin := adminClient(t)
	seedCluster(ctx, t, admin)
	kubeconfig := readerKubeconfig(t, admin, "dpo", true)

	var status bytes.Buffer
	if err := run(ctx, []string{"status", "--kubeconfig", kubeconfig, "-n", testNamespace}, &status, os.Stderr); err != nil {
		t.Fatalf("status: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(status.String()), "\n")
	if len(lines) != 3 ||
		!strings.Contains(lines[1], "meet-a") || strings.Join(strings.Fields(lines[1])[3:], " ") != "True True 0 <none>" ||
		!strings.Contains(lines[2], "meet-b") || strings.Join(strings.Fields(lines[2])[3:], " ") != "False False 1 "+failingControl {
		t.Errorf("status:\n%s", status.String())
	}

	out := filepath.Join(t.TempDir(), "report.html")
	if err := run(ctx, []string{"report", "--kubeconfig", kubeconfig, "-n", testNamespace, "-o", out}, &bytes.Buffer{}, os.Stderr); err != nil {
		t.Fatalf("report: %v", err)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1 of 2 platforms compliant", "Not compliant", failingEvidence, recordText, driftNote,
		"envtest (cluster envtest", operatorImage + " (meetwarden-system/controller-manager)",
		// meet-b's ConfigMap of the record's name is not controlled by meet-b.
		"is not controlled by this platform",
		"privacyPolicyURL: https://example.eu/privacy",
	} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the report does not contain %q", want)
		}
	}
}

// Without the role the same user reads nothing: the role is what grants the report its rights.
func TestTheReportNeedsTheReaderRole(t *testing.T) {
	admin := adminClient(t)
	kubeconfig := readerKubeconfig(t, admin, "stranger", false)
	err := run(context.Background(), []string{"status", "--kubeconfig", kubeconfig, "-A"}, &bytes.Buffer{}, os.Stderr)
	if !apierrors.IsForbidden(err) {
		t.Errorf("status without the role: %v, want forbidden", err)
	}
}

// The role grants get and list only: the report never changes the cluster and reads no Secret.
func TestTheReaderRoleOnlyReads(t *testing.T) {
	for _, rule := range readerRole(t).Rules {
		for _, verb := range rule.Verbs {
			if verb != "get" && verb != "list" {
				t.Errorf("the reader role grants %q on %v", verb, rule.Resources)
			}
		}
		for _, resource := range rule.Resources {
			if resource == "secrets" || resource == "*" {
				t.Errorf("the reader role grants access to %s", resource)
			}
		}
	}
}

func adminClient(t *testing.T) client.Client {
	t.Helper()
	s := scheme.Scheme
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(apiServer.Config(t), client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readerRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "report_reader_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(raw, &role); err != nil {
		t.Fatal(err)
	}
	return &role
}

// readerKubeconfig writes a kubeconfig of a new user; bound, the user holds the reader role.
func readerKubeconfig(t *testing.T, admin client.Client, user string, bound bool) string {
	t.Helper()
	ctx := context.Background()
	if bound {
		role := readerRole(t)
		if err := admin.Create(ctx, role); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: role.Name + "-" + user},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
		}
		if err := admin.Create(ctx, binding); err != nil {
			t.Fatal(err)
		}
	}
	authenticated, err := apiServer.Environment.AddUser(envtest.User{Name: user}, rest.CopyConfig(apiServer.Config(t)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := authenticated.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seedCluster writes what the operator would have: a compliant meet-a with its record, a
// failing meet-b with a drift Event, and the operator's Deployment.
func seedCluster(ctx context.Context, t *testing.T, c client.Client) {
	t.Helper()
	for _, ns := range []string{testNamespace, "meetwarden-system"} {
		mustCreate(ctx, t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	a := evaluated(ctx, t, c, "meet-a", "a.example.eu", "")
	b := evaluated(ctx, t, c, "meet-b", "b.example.eu", failingControl)
	mustCreate(ctx, t, c, recordOf(a, metav1.NewControllerRef(a, v1alpha1.GroupVersion.WithKind(v1alpha1.MeetingPlatformKind))))
	mustCreate(ctx, t, c, recordOf(b, nil))
	mustCreate(ctx, t, c, &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "meet-b.drift"},
		EventTime:  metav1.NewMicroTime(time.Now()), ReportingController: "meetwarden", ReportingInstance: "meetwarden-1",
		Action: "Revert", Reason: v1alpha1.EventDriftReverted, Type: corev1.EventTypeNormal, Note: driftNote,
		Regarding: corev1.ObjectReference{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.MeetingPlatformKind, Namespace: testNamespace, Name: b.Name, UID: b.UID},
	})
	mustCreate(ctx, t, c, operatorDeployment())
}

func mustCreate(ctx context.Context, t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Create(ctx, obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// evaluated creates a platform and writes its status; failing names the control that fails.
func evaluated(ctx context.Context, t *testing.T, c client.Client, name, domain, failing string) *v1alpha1.MeetingPlatform {
	t.Helper()
	mp := fixtures.Sample(testNamespace, name, domain, v1alpha1.DefaultMediaPort)
	mustCreate(ctx, t, c, mp)
	compliance := &v1alpha1.ComplianceStatus{Profile: v1alpha1.ComplianceProfile, LastEvaluationTime: &metav1.Time{Time: time.Now()}}
	compliant, reason := metav1.ConditionTrue, v1alpha1.ReasonAllControlsPass
	for _, control := range settings.Catalog {
		s := v1alpha1.ControlStatus{ID: string(control.ID), Result: v1alpha1.ResultPass, Severity: control.Severity, Message: "checked"}
		if s.ID == failing {
			s.Result, s.Message, compliant, reason = v1alpha1.ResultFail, failingEvidence, metav1.ConditionFalse, v1alpha1.ReasonControlsFail
			compliance.Summary.Fail++
		} else {
			compliance.Summary.Pass++
		}
		compliance.Controls = append(compliance.Controls, s)
	}
	mp.Status.Compliance = compliance
	for _, conditionType := range []string{v1alpha1.ConditionReady, v1alpha1.ConditionCompliant} {
		mp.Status.Conditions = append(mp.Status.Conditions, metav1.Condition{
			Type: conditionType, Status: compliant, Reason: reason, Message: reason,
			ObservedGeneration: mp.Generation, LastTransitionTime: metav1.Now(),
		})
	}
	if err := c.Status().Update(ctx, mp); err != nil {
		t.Fatal(err)
	}
	return mp
}

func recordOf(mp *v1alpha1.MeetingPlatform, owner *metav1.OwnerReference) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: settings.ProcessingRecordName(mp)},
		Data:       map[string]string{settings.ProcessingRecordKey: "# Record of processing activities of " + mp.Name},
	}
	if owner != nil {
		cm.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	return cm
}

func operatorDeployment() *appsv1.Deployment {
	labels := map[string]string{settings.LabelName: settings.OperatorNameValue, settings.LabelComponent: settings.OperatorComponentValue}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "meetwarden-system", Name: "controller-manager", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: settings.OperatorContainerName, Image: operatorImage}}},
			},
		},
	}
}
