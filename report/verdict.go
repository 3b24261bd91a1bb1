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
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// The verdicts of a platform. Unknown is never rounded to either side: a report that says
// Compliant must rest on an evaluation of the spec it shows.
const (
	VerdictCompliant    = "Compliant"
	VerdictNotCompliant = "Not compliant"
	VerdictUnknown      = "Unknown"
)

// Verdict is the answer a reader looks for first.
type Verdict struct {
	// Text is VerdictCompliant, VerdictNotCompliant or VerdictUnknown.
	Text string
	// Why says what the verdict rests on: the Compliant condition's message, or what is missing.
	Why     string
	Failing []v1alpha1.ControlStatus
	Warning []v1alpha1.ControlStatus
}

// Class is the CSS class (and colour) of the verdict.
func (v Verdict) Class() string {
	switch v.Text {
	case VerdictCompliant:
		return "pass"
	case VerdictNotCompliant:
		return "fail"
	}
	return "unknown"
}

// VerdictOf judges a platform from its Compliant condition, the operator's own verdict. The
// condition, not the control list, decides: the operator sets it Unknown while its cache is
// stale (CacheStale), when the control list may still read Pass.
func VerdictOf(mp *v1alpha1.MeetingPlatform) Verdict {
	v := Verdict{Failing: withResult(mp, v1alpha1.ResultFail), Warning: withResult(mp, v1alpha1.ResultWarn)}
	c := meta.FindStatusCondition(mp.Status.Conditions, v1alpha1.ConditionCompliant)
	switch {
	case c == nil:
		v.Text, v.Why = VerdictUnknown, "the operator has not evaluated the platform yet (no Compliant condition)"
	case c.ObservedGeneration != mp.Generation:
		v.Text = VerdictUnknown
		v.Why = fmt.Sprintf("the last evaluation is of generation %d, the spec is at generation %d: the operator has not judged the current spec yet",
			c.ObservedGeneration, mp.Generation)
	case c.Status == metav1.ConditionTrue:
		v.Text, v.Why = VerdictCompliant, c.Message
	case c.Status == metav1.ConditionFalse:
		v.Text, v.Why = VerdictNotCompliant, c.Message
	default:
		v.Text, v.Why = VerdictUnknown, c.Reason+": "+c.Message
	}
	return v
}

func withResult(mp *v1alpha1.MeetingPlatform, result v1alpha1.ControlResultValue) []v1alpha1.ControlStatus {
	var out []v1alpha1.ControlStatus
	for _, c := range controlResults(mp) {
		if c.Result == result {
			out = append(out, c)
		}
	}
	return out
}

func controlResults(mp *v1alpha1.MeetingPlatform) []v1alpha1.ControlStatus {
	if mp.Status.Compliance == nil {
		return nil
	}
	return mp.Status.Compliance.Controls
}

// ControlRow is one control of the catalog with what the platform's status says about it.
type ControlRow struct {
	settings.Control
	// Result is Pass, Fail or Warn, or "Not evaluated" when the status does not list it.
	Result   string
	Evidence string
	// Remediation is the operator's for this failure, else the catalog's.
	Remediation string
}

// notEvaluated is the result of a catalog control the status does not list (an operator older
// than the catalog, or no evaluation yet): the report says so rather than guess.
const notEvaluated = "Not evaluated"

// Controls lists every control of the catalog, in catalog order, with the platform's result;
// a result for an ID the catalog does not know (a newer operator) is appended as it is.
func Controls(mp *v1alpha1.MeetingPlatform) []ControlRow {
	byID := map[string]v1alpha1.ControlStatus{}
	for _, c := range controlResults(mp) {
		byID[c.ID] = c
	}
	rows := make([]ControlRow, 0, len(settings.Catalog))
	for _, c := range settings.Catalog {
		row := ControlRow{Control: c, Result: notEvaluated, Remediation: c.Remediation}
		if s, ok := byID[string(c.ID)]; ok {
			row.Result, row.Evidence = string(s.Result), s.Message
			if s.Remediation != "" {
				row.Remediation = s.Remediation
			}
			delete(byID, string(c.ID))
		}
		rows = append(rows, row)
	}
	for _, s := range controlResults(mp) {
		if _, unknown := byID[s.ID]; unknown {
			rows = append(rows, ControlRow{
				Control: settings.Control{ID: settings.ControlID(s.ID), Severity: s.Severity},
				Result:  string(s.Result), Evidence: s.Message, Remediation: s.Remediation,
			})
		}
	}
	return rows
}
