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
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// The template is html/template: every value from the cluster (messages, notes, the record,
// the spec) is escaped for its context, so a hostile string in an Event note or a spec field
// can never become markup. There is no JavaScript; the CSS is inline, so the file is the
// whole document and a reader can archive it or print it to PDF as it is.
//
//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"utc":         utc,
	"resultClass": resultClass,
}).Parse(pageSource))

// timeLayout is how the report writes instants: UTC, to the second, unambiguous in any locale.
const timeLayout = "2006-01-02 15:04:05 UTC"

func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// resultClass is the CSS class of a control result (the colour of its badge).
func resultClass(result string) string {
	switch v1alpha1.ControlResultValue(result) {
	case v1alpha1.ResultPass:
		return "pass"
	case v1alpha1.ResultFail:
		return "fail"
	case v1alpha1.ResultWarn:
		return "warn"
	}
	return "unknown"
}

// maxEvents bounds the history of one platform: a drift loop can leave many Events, and a
// reader needs the recent ones, newest first.
const maxEvents = 200

type pageView struct {
	Document
	Title     string
	Compliant int
	Views     []platformView
}

type platformView struct {
	Platform
	Verdict       Verdict
	Controls      []ControlRow
	Conditions    []metav1.Condition
	Summary       v1alpha1.ComplianceSummary
	Profile       string
	EvaluatedAt   time.Time
	Spec          string
	EventsShown   []Event
	EventsOmitted int
	NewPage       bool
}

// Write renders the document as one self-contained HTML page.
func Write(w io.Writer, d Document) error {
	view := pageView{Document: d, Title: title(d)}
	for i, p := range d.Platforms {
		pv, err := viewOf(p)
		if err != nil {
			return err
		}
		pv.NewPage = i > 0 || len(d.Platforms) > 1
		if pv.Verdict.Text == VerdictCompliant {
			view.Compliant++
		}
		view.Views = append(view.Views, pv)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, view); err != nil {
		return fmt.Errorf("rendering the report: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

func title(d Document) string {
	if len(d.Platforms) == 1 {
		mp := d.Platforms[0].MeetingPlatform
		return mp.Namespace + "/" + mp.Name
	}
	return fmt.Sprintf("%d platforms", len(d.Platforms))
}

func viewOf(p Platform) (platformView, error) {
	mp := p.MeetingPlatform
	spec, err := yaml.Marshal(mp.Spec)
	if err != nil {
		return platformView{}, fmt.Errorf("writing the spec of %s/%s: %w", mp.Namespace, mp.Name, err)
	}
	v := platformView{
		Platform: p, Verdict: VerdictOf(mp), Controls: Controls(mp),
		Conditions: mp.Status.Conditions, Spec: string(spec),
	}
	if c := mp.Status.Compliance; c != nil {
		v.Summary, v.Profile = c.Summary, c.Profile
		if c.LastEvaluationTime != nil {
			v.EvaluatedAt = c.LastEvaluationTime.Time
		}
	}
	v.EventsShown, v.EventsOmitted = newestFirst(p.Events, maxEvents)
	return v, nil
}

func newestFirst(events []Event, limit int) ([]Event, int) {
	sorted := append([]Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time.After(sorted[j].Time) })
	if len(sorted) <= limit {
		return sorted, 0
	}
	return sorted[:limit], len(sorted) - limit
}

// WindowText says how far back the history reaches, in words a reader understands.
func (d Document) WindowText() string {
	if d.EventWindow <= 0 {
		return "all Events the API server still keeps"
	}
	return "the last " + strings.TrimSuffix(d.EventWindow.Round(time.Minute).String(), "0s")
}
