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

package render

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// PolicyReport is the platform's OpenReports Report: status.compliance, one result per
// control in the same order, the same summary, scoped to the MeetingPlatform. Each result is
// dated with compliance.lastEvaluationTime, which moves only when a result changes, so an
// unchanged evaluation renders the same report and writes nothing. Unstructured: the operator
// has no Go dependency on OpenReports.
func PolicyReport(mp *v1alpha1.MeetingPlatform, compliance *v1alpha1.ComplianceStatus) *unstructured.Unstructured {
	var seconds int64
	if compliance.LastEvaluationTime != nil {
		seconds = compliance.LastEvaluationTime.Unix()
	}
	results := make([]any, 0, len(compliance.Controls))
	for _, c := range compliance.Controls {
		results = append(results, policyResult(c, compliance.Profile, seconds))
	}
	report := &unstructured.Unstructured{Object: map[string]any{
		"source": settings.PolicyReportSource,
		"scope": map[string]any{
			"apiVersion": v1alpha1.GroupVersion.String(), "kind": v1alpha1.MeetingPlatformKind,
			"namespace": mp.Namespace, "name": mp.Name, "uid": string(mp.UID),
		},
		"summary": map[string]any{
			"pass": int64(compliance.Summary.Pass), "fail": int64(compliance.Summary.Fail),
			"warn": int64(compliance.Summary.Warn), "error": int64(0), "skip": int64(0),
		},
		"results": results,
	}}
	report.SetAPIVersion(settings.PolicyReportGroup + "/" + settings.PolicyReportVersion)
	report.SetKind(settings.PolicyReportKind)
	om := meta(mp, settings.PolicyReportName(mp), "")
	report.SetName(om.Name)
	report.SetNamespace(om.Namespace)
	report.SetLabels(om.Labels)
	return report
}

// policyResult is one control as an OpenReports result.
func policyResult(c v1alpha1.ControlStatus, profile string, seconds int64) map[string]any {
	properties := map[string]any{settings.PolicyReportProfileProperty: profile}
	if c.Remediation != "" {
		properties[settings.PolicyReportRemediationProperty] = c.Remediation
	}
	return map[string]any{
		"source":     settings.PolicyReportSource,
		"policy":     c.ID,
		"category":   string(settings.FamilyOf(settings.ControlID(c.ID))),
		"severity":   string(c.Severity),
		"result":     settings.PolicyReportResults[c.Result],
		"scored":     true,
		"message":    c.Message,
		"timestamp":  map[string]any{"seconds": seconds, "nanos": int64(0)},
		"properties": properties,
	}
}
