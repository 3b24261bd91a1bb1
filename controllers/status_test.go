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

package controllers

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

var (
	pass = v1alpha1.ControlStatus{ID: "TLS-1", Result: v1alpha1.ResultPass, Severity: v1alpha1.SeverityCritical, Message: "ok"}
	warn = v1alpha1.ControlStatus{ID: "TLS-2", Result: v1alpha1.ResultWarn, Severity: v1alpha1.SeverityCritical, Message: "expires in 7 days"}
	fail = v1alpha1.ControlStatus{ID: "REC-2", Result: v1alpha1.ResultFail, Severity: v1alpha1.SeverityCritical,
		Message: `Deployment meet-web sets ENABLE_RECORDING="true" (want "false")`}
	failEU    = v1alpha1.ControlStatus{ID: "EU-2", Result: v1alpha1.ResultFail, Severity: v1alpha1.SeverityCritical, Message: "pod p on node n"}
	allReady  = []v1alpha1.ComponentStatus{{Name: "web", DesiredReplicas: 2, ReadyReplicas: 2}, {Name: "jvb", DesiredReplicas: 1, ReadyReplicas: 1}}
	halfReady = []v1alpha1.ComponentStatus{{Name: "web", DesiredReplicas: 2, ReadyReplicas: 1}, {Name: "jvb", DesiredReplicas: 1, ReadyReplicas: 1}}
)

func TestConditions(t *testing.T) {
	tests := []struct {
		name     string
		scope    scope
		err      error
		want     map[string]metav1.ConditionStatus
		wantText map[string]string // a part of the message per condition
	}{
		{
			name:  "a converged, compliant platform is Ready and neither reconciling nor stalled",
			scope: scope{results: []v1alpha1.ControlStatus{pass, warn}, components: allReady},
			want: map[string]metav1.ConditionStatus{v1alpha1.ConditionReady: metav1.ConditionTrue,
				v1alpha1.ConditionReconciling: metav1.ConditionFalse, v1alpha1.ConditionStalled: metav1.ConditionFalse,
				v1alpha1.ConditionCompliant: metav1.ConditionTrue, v1alpha1.ConditionTransportEncrypted: metav1.ConditionTrue},
		},
		{
			name:  "a platform whose web replicas are starting is Reconciling and not Ready, naming the component",
			scope: scope{results: []v1alpha1.ControlStatus{pass}, components: halfReady},
			want: map[string]metav1.ConditionStatus{v1alpha1.ConditionReady: metav1.ConditionFalse,
				v1alpha1.ConditionReconciling: metav1.ConditionTrue},
			wantText: map[string]string{v1alpha1.ConditionReady: "web (1/2 ready)"},
		},
		{
			name:  "a component rolling out a new template is not Ready, and its replicas still count as ready",
			scope: scope{results: []v1alpha1.ControlStatus{pass}, components: allReady, rollingOut: []string{"web"}},
			want: map[string]metav1.ConditionStatus{v1alpha1.ConditionReady: metav1.ConditionFalse,
				v1alpha1.ConditionReconciling: metav1.ConditionTrue},
			wantText: map[string]string{v1alpha1.ConditionReady: "web (rolling out, 2/2 ready)",
				v1alpha1.ConditionReconciling: "web (rolling out, 2/2 ready)"},
		},
		{
			name:  "a failing control makes Compliant, its family and Ready False with the control named",
			scope: scope{results: []v1alpha1.ControlStatus{pass, fail}, components: allReady},
			want: map[string]metav1.ConditionStatus{v1alpha1.ConditionReady: metav1.ConditionFalse,
				v1alpha1.ConditionCompliant: metav1.ConditionFalse, v1alpha1.ConditionRecordingDisabled: metav1.ConditionFalse,
				v1alpha1.ConditionTransportEncrypted: metav1.ConditionTrue},
			wantText: map[string]string{v1alpha1.ConditionCompliant: "1 of 2 controls fail: REC-2: Deployment meet-web",
				v1alpha1.ConditionRecordingDisabled: "REC-2: Deployment meet-web sets ENABLE_RECORDING"},
		},
		{
			name:     "several failing controls are listed by id",
			scope:    scope{results: []v1alpha1.ControlStatus{fail, failEU}, components: allReady},
			want:     map[string]metav1.ConditionStatus{v1alpha1.ConditionCompliant: metav1.ConditionFalse},
			wantText: map[string]string{v1alpha1.ConditionCompliant: "REC-2, EU-2 fail; REC-2:"},
		},
		{
			name:  "a stalled platform is Stalled, not Reconciling, and Ready carries the stall reason",
			scope: scope{stalled: stall("SecretMissing", `waiting for TLS Secret "meet-tls"`)},
			want: map[string]metav1.ConditionStatus{v1alpha1.ConditionStalled: metav1.ConditionTrue,
				v1alpha1.ConditionReconciling: metav1.ConditionFalse, v1alpha1.ConditionReady: metav1.ConditionFalse},
			wantText: map[string]string{v1alpha1.ConditionReady: `"meet-tls"`, v1alpha1.ConditionStalled: `"meet-tls"`},
		},
		{
			name:  "a pass that reverted drift is Reconciling and names the revert",
			scope: scope{results: []v1alpha1.ControlStatus{pass}, components: allReady, reverted: []string{"Deployment meet-web: x"}},
			want: map[string]metav1.ConditionStatus{v1alpha1.ConditionReconciling: metav1.ConditionTrue,
				v1alpha1.ConditionReady: metav1.ConditionFalse},
			wantText: map[string]string{v1alpha1.ConditionReconciling: "reverted Deployment meet-web"},
		},
		{
			name:     "drift left in place in Audit mode is named in Ready",
			scope:    scope{results: []v1alpha1.ControlStatus{fail}, components: allReady, drifted: []string{"Deployment meet-web: y"}},
			want:     map[string]metav1.ConditionStatus{v1alpha1.ConditionReady: metav1.ConditionFalse},
			wantText: map[string]string{v1alpha1.ConditionReady: "drift left in place (Audit mode): Deployment meet-web"},
		},
		{
			name: "a pass on a cache that may be stale reports compliance and Ready Unknown, never True, naming since when",
			scope: scope{results: []v1alpha1.ControlStatus{pass}, components: allReady,
				cacheStaleSince: time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)},
			want: map[string]metav1.ConditionStatus{v1alpha1.ConditionReady: metav1.ConditionUnknown,
				v1alpha1.ConditionCompliant: metav1.ConditionUnknown, v1alpha1.ConditionTransportEncrypted: metav1.ConditionUnknown},
			wantText: map[string]string{v1alpha1.ConditionCompliant: "since 2026-12-06T21:00:00Z",
				v1alpha1.ConditionReady: "have not reached the API server"},
		},
		{
			name:     "a transient error keeps the platform Reconciling with the error",
			scope:    scope{results: []v1alpha1.ControlStatus{pass}, components: allReady},
			err:      errors.New("connection refused"),
			want:     map[string]metav1.ConditionStatus{v1alpha1.ConditionReconciling: metav1.ConditionTrue},
			wantText: map[string]string{v1alpha1.ConditionReconciling: "connection refused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]metav1.Condition{}
			for _, c := range conditions(&tt.scope, tt.err) {
				got[c.Type] = c
			}
			if first := conditions(&tt.scope, tt.err)[0].Type; first != v1alpha1.ConditionReady {
				t.Errorf("first condition is %s, want Ready", first)
			}
			for typ, want := range tt.want {
				if got[typ].Status != want {
					t.Errorf("%s = %s (%s: %s), want %s", typ, got[typ].Status, got[typ].Reason, got[typ].Message, want)
				}
			}
			for typ, text := range tt.wantText {
				if !strings.Contains(got[typ].Message, text) {
					t.Errorf("%s message %q does not contain %q", typ, got[typ].Message, text)
				}
			}
		})
	}
}

func TestComplianceStatusOrdersFailuresFirstAndKeepsTheTimeWhenNothingChanged(t *testing.T) {
	first := complianceStatus([]v1alpha1.ControlStatus{pass, warn, fail}, nil, time.Now())
	var ids []string
	for _, c := range first.Controls {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "REC-2,TLS-2,TLS-1" {
		t.Errorf("order %v, want failing, warning, passing", ids)
	}
	if first.Summary != (v1alpha1.ComplianceSummary{Pass: 1, Fail: 1, Warn: 1}) {
		t.Errorf("summary %+v", first.Summary)
	}
	if first.Profile != v1alpha1.ComplianceProfile || first.LastEvaluationTime == nil {
		t.Fatalf("profile %q, time %v", first.Profile, first.LastEvaluationTime)
	}
	old := metav1.NewTime(first.LastEvaluationTime.Add(-3600e9))
	first.LastEvaluationTime = &old
	same := complianceStatus([]v1alpha1.ControlStatus{pass, warn, fail}, first, time.Now())
	if !same.LastEvaluationTime.Equal(&old) {
		t.Errorf("an unchanged evaluation moved lastEvaluationTime")
	}
	changed := complianceStatus([]v1alpha1.ControlStatus{pass, warn}, first, time.Now())
	if changed.LastEvaluationTime.Equal(&old) {
		t.Errorf("a changed evaluation kept lastEvaluationTime")
	}
}

func TestComponentStatusesCountAvailableReplicasWhileRollingOut(t *testing.T) {
	deployment := func(component string, generation, observed int64, desired, updated, available int32) appsv1.Deployment {
		return appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "meet-" + component, Generation: generation},
			Spec:       appsv1.DeploymentSpec{Replicas: &desired},
			Status: appsv1.DeploymentStatus{ObservedGeneration: observed, UpdatedReplicas: updated,
				AvailableReplicas: available},
		}
	}
	got, rollingOut := componentStatuses([]appsv1.Deployment{
		deployment("web", 3, 2, 2, 2, 2),     // new template not yet observed: rolling out, still serving
		deployment("prosody", 1, 1, 1, 1, 1), // rolled out
		deployment("jicofo", 2, 2, 1, 0, 1),  // observed, old pod still the only one
		deployment("jvb", 1, 1, 1, 1, 0),     // rolled out, not available
	}, &v1alpha1.MeetingPlatform{ObjectMeta: metav1.ObjectMeta{Name: "meet"}})
	want := []v1alpha1.ComponentStatus{{Name: "web", DesiredReplicas: 2, ReadyReplicas: 2},
		{Name: "prosody", DesiredReplicas: 1, ReadyReplicas: 1}, {Name: "jicofo", DesiredReplicas: 1, ReadyReplicas: 1},
		{Name: "jvb", DesiredReplicas: 1, ReadyReplicas: 0}}
	if !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("components = %+v, want %+v", got, want)
	}
	if !slices.Equal(rollingOut, []string{"web", "jicofo"}) {
		t.Errorf("rolling out = %v, want [web jicofo]", rollingOut)
	}
}

func TestAComponentWithAPodOfThePreviousTemplateLeftIsRollingOut(t *testing.T) {
	one := int32(1)
	// A rolling update surged a pod of the new template, which is not ready yet; the old pod
	// still serves, so one replica is available.
	web := appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "meet-web", Generation: 2},
		Spec:       appsv1.DeploymentSpec{Replicas: &one},
		Status:     appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 2, UpdatedReplicas: 1, AvailableReplicas: 1},
	}
	_, rollingOut := componentStatuses([]appsv1.Deployment{web}, &v1alpha1.MeetingPlatform{ObjectMeta: metav1.ObjectMeta{Name: "meet"}})
	if !slices.Equal(rollingOut, []string{"web"}) {
		t.Errorf("rolling out = %v, want [web]: the new template is not serving yet", rollingOut)
	}
}
