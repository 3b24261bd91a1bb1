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
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// With OpenReports' Report CRD (pinned, with its full schema) the platform has a report that
// says what status.compliance says, control by control; it follows a tampering (Audit mode
// leaves it in place) and its repair, and a converged platform's report is not rewritten.
func TestThePolicyReportSaysWhatTheStatusSaysAndFollowsATampering(t *testing.T) {
	installReportCRD(t)
	m := startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeAudit)
	eventually(t, "a report that matches status.compliance, every control passing", reportMatchesStatus(mp, v1alpha1.ResultPass))

	report := liveReport(t, mp)
	if !metav1.IsControlledBy(report, getPlatform(t, mp)) {
		t.Errorf("report owners %+v: want the platform as controller (it goes with the platform)", report.OwnerReferences)
	}
	time.Sleep(2 * time.Second) // the last status write settles
	// Only this platform's writes count: the platforms other tests left in the API server get
	// their first report when this manager starts, and may still be writing it.
	ours := func() []string {
		return slices.DeleteFunc(m.writes.Writes(), func(w string) bool { return !strings.Contains(w, "/namespaces/"+mp.Namespace+"/") })
	}
	writes := len(ours())
	time.Sleep(5 * time.Second)
	if extra := ours()[writes:]; len(extra) != 0 {
		t.Errorf("a converged platform with a report caused %d writes in 5s: %v", len(extra), extra)
	}

	tc := tamperings(mp)[0] // an analytics env var: TEL-1 fails
	tc.do(t, mp)
	eventually(t, "the report says TEL-1 fails, as the status does", reportMatchesStatus(mp, v1alpha1.ResultFail))
	if r := reportResult(liveReport(t, mp), string(settings.TEL1)); r.Result != "fail" || r.Category != string(settings.FamilyTEL) ||
		r.Severity == "" || r.Description == "" || r.Properties[settings.PolicyReportRemediationProperty] == "" {
		t.Errorf("TEL-1 in the report = %+v, want fail in family TEL with severity, message and remediation", r)
	}
}

// installReportCRD installs the Report CRD for the test and removes it after the test's
// manager stopped.
func installReportCRD(t *testing.T) {
	t.Helper()
	crd, err := fixtures.OpenReportsReportCRD()
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so that it runs after the manager stopped: no watch outlives its API.
	t.Cleanup(func() { uninstallCRD(t, crd) })
	if _, err := envtest.InstallCRDs(testConfig, envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{crd}}); err != nil {
		t.Fatal(err)
	}
}

// liveReport reads the platform's report as OpenReports' own Go type, refusing any field the
// type does not know.
func liveReport(t *testing.T, mp *v1alpha1.MeetingPlatform) *openreportsv1alpha1.Report {
	t.Helper()
	report, err := readReport(mp)
	if err != nil {
		t.Fatal(err)
	}
	return report
}

func readReport(mp *v1alpha1.MeetingPlatform) (*openreportsv1alpha1.Report, error) {
	u := newOptional(reportGVK)
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: settings.PolicyReportName(mp)}, u); err != nil {
		return nil, err
	}
	report := &openreportsv1alpha1.Report{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, report, true); err != nil {
		return nil, fmt.Errorf("the report does not fit OpenReports' type: %w", err)
	}
	return report, nil
}

// reportMatchesStatus checks that the report carries every control of status.compliance with
// its result, severity, family and message, the same summary, and the platform as its scope;
// TEL-1 must have the result want.
func reportMatchesStatus(mp *v1alpha1.MeetingPlatform, want v1alpha1.ControlResultValue) func() error {
	return func() error {
		report, err := readReport(mp)
		if err != nil {
			return err
		}
		p := &v1alpha1.MeetingPlatform{}
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), p); err != nil {
			return err
		}
		c := p.Status.Compliance
		if c == nil || meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionCompliant) == nil {
			return fmt.Errorf("no compliance status yet")
		}
		if got := reportResult(report, string(settings.TEL1)).Result; string(got) != settings.PolicyReportResults[want] {
			return fmt.Errorf("TEL-1 is %q in the report, want %q", got, settings.PolicyReportResults[want])
		}
		if report.Scope == nil || report.Scope.Kind != v1alpha1.MeetingPlatformKind || report.Scope.Name != p.Name || report.Scope.UID != p.UID {
			return fmt.Errorf("report scope %+v, want the platform", report.Scope)
		}
		if s := report.Summary; s.Pass != int(c.Summary.Pass) || s.Fail != int(c.Summary.Fail) || s.Warn != int(c.Summary.Warn) {
			return fmt.Errorf("report summary %+v, status %+v", s, c.Summary)
		}
		if len(report.Results) != len(c.Controls) {
			return fmt.Errorf("%d results in the report, %d controls in the status", len(report.Results), len(c.Controls))
		}
		for i, control := range c.Controls {
			r := report.Results[i]
			if r.Policy != control.ID || string(r.Result) != settings.PolicyReportResults[control.Result] ||
				string(r.Severity) != string(control.Severity) || r.Description != control.Message ||
				r.Category != string(settings.FamilyOf(settings.ControlID(control.ID))) || r.Source != settings.PolicyReportSource {
				return fmt.Errorf("result %d = %+v, status says %+v", i, r, control)
			}
			if r.Timestamp.Seconds != c.LastEvaluationTime.Unix() {
				return fmt.Errorf("result %s dated %d, last evaluation %s", r.Policy, r.Timestamp.Seconds, c.LastEvaluationTime)
			}
		}
		return nil
	}
}

func reportResult(report *openreportsv1alpha1.Report, id string) openreportsv1alpha1.ReportResult {
	for _, r := range report.Results {
		if r.Policy == id {
			return r
		}
	}
	return openreportsv1alpha1.ReportResult{}
}
