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

package apply

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestForeignChangesNamesWhatOtherManagersSet(t *testing.T) {
	managed := func(manager, subresource, fields string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Subresource: subresource,
			FieldsV1: metav1.NewFieldsV1(fields)}
	}
	tests := []struct {
		name    string
		entries []metav1.ManagedFieldsEntry
		want    []string
	}{
		{
			name:    "fields the operator applied are not foreign",
			entries: []metav1.ManagedFieldsEntry{managed(FieldOwner, "", `{"f:spec":{"f:replicas":{}}}`)},
		},
		{
			name: "an env var added with kubectl set env is named once, as a whole element",
			entries: []metav1.ManagedFieldsEntry{managed("kubectl-set", "",
				`{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:env":{"k:{\"name\":\"AMPLITUDE_ID\"}":{".":{},"f:name":{},"f:value":{}}}}}}}}}`)},
			want: []string{"kubectl-set: spec.template.spec.containers[name=web].env[name=AMPLITUDE_ID]"},
		},
		{
			name: "a changed value of an existing env var is named down to the value",
			entries: []metav1.ManagedFieldsEntry{managed("kubectl-edit", "",
				`{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:env":{"k:{\"name\":\"ENABLE_RECORDING\"}":{"f:value":{}}}}}}}}}`)},
			want: []string{"kubectl-edit: spec.template.spec.containers[name=web].env[name=ENABLE_RECORDING].value"},
		},
		{
			name: "the Deployment controller's revision annotation and status writes are not drift",
			entries: []metav1.ManagedFieldsEntry{
				managed("kube-controller-manager", "", `{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}}}`),
				managed("kube-controller-manager", "status", `{"f:status":{"f:replicas":{}}}`),
			},
		},
		{
			name:    "a label added with kubectl label is named",
			entries: []metav1.ManagedFieldsEntry{managed("kubectl-label", "", `{"f:metadata":{"f:labels":{"f:team":{}}}}`)},
			want:    []string{"kubectl-label: metadata.labels.team"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{ManagedFields: tt.entries}}
			if got := foreignChanges(d); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFirstDifference(t *testing.T) {
	desired := func() *corev1.ConfigMap {
		return &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "c", Labels: map[string]string{"a": "b"}},
			Data:       map[string]string{"custom-config.js": "x"},
		}
	}
	tests := []struct {
		name   string
		change func(live *corev1.ConfigMap)
		want   string
	}{
		{name: "an identical object has no difference", change: func(*corev1.ConfigMap) {}},
		{name: "fields only the live object has (server defaults, status) do not count",
			change: func(l *corev1.ConfigMap) { l.ResourceVersion = "7"; l.UID = "u" }},
		{name: "a changed value is found", change: func(l *corev1.ConfigMap) { l.Data["custom-config.js"] = "y" },
			want: "data.custom-config.js"},
		{name: "a removed label is found", change: func(l *corev1.ConfigMap) { l.Labels = nil }, want: "metadata.labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := desired()
			tt.change(live)
			got, err := firstDifference(desired(), live)
			if err != nil || got != tt.want {
				t.Errorf("got %q (err %v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestSubsetPathTreatsAddedListElementsAsADifference(t *testing.T) {
	want := []any{map[string]any{"name": "A"}}
	got := []any{map[string]any{"name": "A", "value": "default"}, map[string]any{"name": "B"}}
	if p := subsetPath(want, got, "env"); p != "env" {
		t.Errorf("an extra list element: got %q, want env", p)
	}
	if p := subsetPath(want, got[:1], "env"); p != "" {
		t.Errorf("a defaulted field inside an element: got %q, want no difference", p)
	}
	if p := subsetPath(map[string]any{"n": 2048}, map[string]any{"n": int64(2048)}, ""); p != "" {
		t.Errorf("numbers of different Go types: got %q", p)
	}
}

func TestTrimManagedFieldsKeepsWhatDriftDetectionReads(t *testing.T) {
	entry := func(manager string, op metav1.ManagedFieldsOperationType, subresource string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, Subresource: subresource, FieldsV1: metav1.NewFieldsV1(`{"f:spec":{}}`)}
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "meet-web-config", ManagedFields: []metav1.ManagedFieldsEntry{
		entry(FieldOwner, metav1.ManagedFieldsOperationApply, ""),
		entry(FieldOwner, metav1.ManagedFieldsOperationUpdate, ""),
		entry("kubectl-edit", metav1.ManagedFieldsOperationUpdate, ""),
		entry("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "status"),
	}}}
	out, err := TrimManagedFields(cm)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, mf := range out.(*corev1.ConfigMap).ManagedFields {
		kept = append(kept, fmt.Sprintf("%s/%s/%s", mf.Manager, mf.Operation, mf.Subresource))
	}
	want := []string{FieldOwner + "/Update/", "kubectl-edit/Update/"}
	if !slices.Equal(kept, want) {
		t.Errorf("kept %v, want %v", kept, want)
	}
	if got := foreignChanges(out.(*corev1.ConfigMap)); len(got) != 1 || !strings.HasPrefix(got[0], "kubectl-edit: spec") {
		t.Errorf("foreign changes after trimming = %v, want the kubectl-edit entry", got)
	}
}

func TestADifferenceInANamedListElementIsNamed(t *testing.T) {
	want := map[string]any{"env": []any{map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "ENABLE_RECORDING", "value": "false"}}}
	got := map[string]any{"env": []any{map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "ENABLE_RECORDING", "value": "true"}}}
	if p := subsetPath(want, got, "spec"); p != "spec.env[name=ENABLE_RECORDING].value" {
		t.Errorf("path %q, want the element named", p)
	}
	unnamed := map[string]any{"args": []any{"a", "b"}}
	if p := subsetPath(unnamed, map[string]any{"args": []any{"a", "c"}}, "spec"); p != "spec.args[1]" {
		t.Errorf("path %q, want the index of an element without a name", p)
	}
}

func TestPodTemplateDiffersOnlyWhereThePodsWouldBeReplaced(t *testing.T) {
	desired := func() *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "meet-jvb", Annotations: map[string]string{desiredHashAnnotation: "a"}},
			Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "jvb", Image: "ghcr.io/jitsi/jvb:stable-11146-2", Env: []corev1.EnvVar{{Name: "ENABLE_OCTO", Value: "false"}},
			}}}}},
		}
	}
	tests := []struct {
		name   string
		change func(live *appsv1.Deployment)
		want   bool
	}{
		{name: "API server defaults in the live template are no difference", change: func(l *appsv1.Deployment) {
			l.Spec.Template.Spec.Containers[0].TerminationMessagePath = corev1.TerminationMessagePathDefault
			l.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}},
		{name: "the Deployment's own metadata and replicas are no difference", change: func(l *appsv1.Deployment) {
			l.Annotations = map[string]string{desiredHashAnnotation: "b"}
			l.Spec.Replicas = new(int32)
		}},
		{name: "another image is", change: func(l *appsv1.Deployment) { l.Spec.Template.Spec.Containers[0].Image = "ghcr.io/jitsi/jvb:stable-9955" }, want: true},
		{name: "an extra env var is", change: func(l *appsv1.Deployment) {
			c := &l.Spec.Template.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "X", Value: "y"})
		}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := desired()
			tt.change(live)
			got, err := PodTemplateDiffers(desired(), live)
			if err != nil || got != tt.want {
				t.Errorf("PodTemplateDiffers = %v (err %v), want %v", got, err, tt.want)
			}
		})
	}
	live := desired()
	if DesiredChanged(desired(), live) {
		t.Error("DesiredChanged with the same desired hash")
	}
	live.Annotations[desiredHashAnnotation] = "b"
	if !DesiredChanged(desired(), live) {
		t.Error("DesiredChanged missed another desired hash")
	}
}

func TestForeignChangesDescribesTheDriftInOneLine(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{
		{Manager: FieldOwner, Operation: metav1.ManagedFieldsOperationApply, FieldsV1: metav1.NewFieldsV1(`{"f:data":{"f:a":{}}}`)},
	}}}
	if got := ForeignChanges(cm); got != "" {
		t.Errorf("the operator's own fields are reported as %q", got)
	}
	cm.ManagedFields = append(cm.ManagedFields, metav1.ManagedFieldsEntry{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate,
		FieldsV1: metav1.NewFieldsV1(`{"f:data":{"f:b":{}}}`)})
	if got, want := ForeignChanges(cm), "changed by another manager: kubectl-edit: data.b"; got != want {
		t.Errorf("ForeignChanges = %q, want %q", got, want)
	}
}
