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

// Package report renders what a data-protection officer files about a MeetingPlatform: a
// self-contained, dated HTML document (verdict first, then every control with its evidence and
// remediation, the Art. 30 record, the operator's recent Events, the operator version and the
// exact spec), and the one-line-per-platform status table of `kubectl meetwarden status`.
//
// It is pure: the kubectl plugin (cmd/kubectl-meetwarden) reads the cluster and hands the
// objects over. It is not the OpenReports policy report the operator writes
// (controllers/report.go): that one is for tools, this one is for people.
package report

import (
	"time"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// Document is one report: one platform, or every platform the plugin was asked for.
type Document struct {
	// Generated is when the plugin read the cluster; the report shows it in UTC.
	Generated time.Time
	// Cluster names where the data came from: the kubeconfig context and its cluster.
	Cluster string
	// OperatorVersion is the image of the operator's Deployment, or "unknown" and why.
	OperatorVersion string
	// EventWindow is how far back the plugin looked for Events.
	EventWindow time.Duration
	Platforms   []Platform
}

// Platform is what the plugin read about one MeetingPlatform.
type Platform struct {
	MeetingPlatform *v1alpha1.MeetingPlatform
	Record          Record
	Events          []Event
	// EventsProblem says why Events could not be read; empty when they could.
	EventsProblem string
}

// Record is the Art. 30 record of processing the operator publishes in a ConfigMap.
type Record struct {
	// Markdown is the record as the operator wrote it; shown escaped and preformatted, never
	// interpreted, so nothing in it (a user-supplied URL, a provider name) becomes markup.
	Markdown string
	// Problem says why there is no record (not published, not readable); empty otherwise.
	Problem string
}

// Event is one Event about the platform, as the API server still keeps it.
type Event struct {
	Time   time.Time
	Type   string
	Reason string
	// Action is what the operator did; ControlFailed/ControlPassed carry the control there.
	Action string
	Note   string
	// Count is how often the Event happened (its series), at least 1.
	Count int32
}
