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

package report

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// The platforms of the tests: the sample, evaluated at a fixed instant, once with every
// control passing and once with EU-2 failing (a pod on a node in us-east-1) and TLS-2 warning.

var evaluated = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// failingControl is the control the failing platform fails and every layer checks for.
const failingControl = settings.EU2

const failingEvidence = "pod meet-jvb-7c9f/jvb runs on node worker-us (region us-east-1), outside the allowed regions"

func evaluatedPlatform(failing bool) *v1alpha1.MeetingPlatform {
	mp := fixtures.Minimal()
	mp.Generation = 3
	mp.CreationTimestamp = metav1.NewTime(evaluated.Add(-time.Hour))
	controls, summary := controlStatuses(failing)
	mp.Status.Compliance = &v1alpha1.ComplianceStatus{
		Profile: v1alpha1.ComplianceProfile, LastEvaluationTime: &metav1.Time{Time: evaluated},
		Summary: summary, Controls: controls,
	}
	compliant, reason, message := metav1.ConditionTrue, v1alpha1.ReasonAllControlsPass, "all 28 controls pass"
	if failing {
		compliant, reason, message = metav1.ConditionFalse, v1alpha1.ReasonControlsFail, "1 control fails: EU-2"
	}
	mp.Status.Conditions = []metav1.Condition{
		condition(v1alpha1.ConditionReady, compliant, reason, message),
		condition(v1alpha1.ConditionCompliant, compliant, reason, message),
		condition(v1alpha1.ConditionStalled, metav1.ConditionFalse, v1alpha1.ReasonRealisable, "the spec can be realised"),
	}
	return mp
}

func condition(conditionType string, status metav1.ConditionStatus, reason, message string) metav1.Condition {
	return metav1.Condition{
		Type: conditionType, Status: status, Reason: reason, Message: message,
		ObservedGeneration: 3, LastTransitionTime: metav1.NewTime(evaluated),
	}
}

func controlStatuses(failing bool) ([]v1alpha1.ControlStatus, v1alpha1.ComplianceSummary) {
	var controls []v1alpha1.ControlStatus
	var summary v1alpha1.ComplianceSummary
	for _, c := range settings.Catalog {
		s := v1alpha1.ControlStatus{ID: string(c.ID), Result: v1alpha1.ResultPass, Severity: c.Severity, Message: "checked: " + c.Title}
		switch {
		case failing && c.ID == failingControl:
			s.Result, s.Message, s.Remediation = v1alpha1.ResultFail, failingEvidence, c.Remediation
			summary.Fail++
		case failing && c.ID == settings.TLS2:
			s.Result, s.Message = v1alpha1.ResultWarn, "Secret meet-tls: the certificate expires in 12 days"
			summary.Warn++
		default:
			summary.Pass++
		}
		controls = append(controls, s)
	}
	return controls, summary
}

func testDocument(failing bool) Document {
	mp := evaluatedPlatform(failing)
	p := Platform{
		MeetingPlatform: mp,
		Record:          Record{Markdown: "# Record of processing activities\n\n| Field | Value |\n|---|---|\n| Controller | <https://example.eu/privacy> |\n"},
	}
	if failing {
		p.Events = []Event{
			{Time: evaluated.Add(-10 * time.Minute), Type: "Normal", Reason: v1alpha1.EventDriftReverted, Action: "Revert", Note: "Deployment/meet-web: env ENABLE_RECORDING removed", Count: 2},
			{Time: evaluated, Type: "Warning", Reason: v1alpha1.EventControlFailed, Action: string(failingControl), Note: failingEvidence, Count: 1},
		}
	}
	return Document{
		Generated: evaluated.Add(5 * time.Minute), Cluster: "kind-eu (cluster eu-prod)",
		OperatorVersion: "ghcr.io/meetwarden/meetwarden:0.1.0", EventWindow: 7 * 24 * time.Hour,
		Platforms: []Platform{p},
	}
}
