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

package settings

import "github.com/meetwarden/meetwarden/api/v1alpha1"

// The policy report of a platform: an OpenReports Report (openreports.io/v1alpha1, the
// successor of wgpolicyk8s.io's PolicyReport), written where the cluster serves the API, for
// Policy Reporter and the other tools that read policy reports.
const (
	PolicyReportGroup   = "openreports.io"
	PolicyReportVersion = "v1alpha1"
	PolicyReportKind    = "Report"
	// PolicyReportSource names the operator as the engine that produced the results.
	PolicyReportSource = "meetwarden"
	// PolicyReportProfileProperty and PolicyReportRemediationProperty are the keys of a
	// result's properties that carry the profile and how to fix a failure.
	PolicyReportProfileProperty     = "profile"
	PolicyReportRemediationProperty = "remediation"
)

// PolicyReportName is the platform's Report: "<name>-compliance".
func PolicyReportName(mp *v1alpha1.MeetingPlatform) string {
	return Name(mp, "compliance")
}

// PolicyReportResults maps a control result to the OpenReports result (its enum: pass, fail,
// warn, error, skip).
var PolicyReportResults = map[v1alpha1.ControlResultValue]string{
	v1alpha1.ResultPass: "pass",
	v1alpha1.ResultFail: "fail",
	v1alpha1.ResultWarn: "warn",
}
