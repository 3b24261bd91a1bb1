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
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/report"
)

// collector reads what the report needs, with get and list only (config/rbac/report_reader_role.yaml).
// A read that is refused or finds nothing becomes a sentence in the report, never a guess.
type collector struct {
	client client.Reader
	now    time.Time
	// since bounds the Events shown; 0 shows every Event the API server still keeps.
	since time.Duration
}

// listPage is the page size of the Event list: a namespace with a drift loop holds many.
const listPage = 500

// platforms returns the named platforms of namespace, or every platform there (every
// namespace when namespace is ""), sorted by namespace and name.
func (c collector) platforms(ctx context.Context, namespace string, names []string) ([]v1alpha1.MeetingPlatform, error) {
	if len(names) > 0 {
		out := make([]v1alpha1.MeetingPlatform, 0, len(names))
		for _, name := range names {
			var mp v1alpha1.MeetingPlatform
			if err := c.client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &mp); err != nil {
				return nil, fmt.Errorf("reading MeetingPlatform %s/%s: %w", namespace, name, err)
			}
			out = append(out, mp)
		}
		return out, nil
	}
	var list v1alpha1.MeetingPlatformList
	if err := c.client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("listing MeetingPlatforms: %w", err)
	}
	slices.SortFunc(list.Items, func(a, b v1alpha1.MeetingPlatform) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return list.Items, nil
}

func (c collector) platform(ctx context.Context, mp *v1alpha1.MeetingPlatform) report.Platform {
	p := report.Platform{MeetingPlatform: mp, Record: c.record(ctx, mp)}
	p.Events, p.EventsProblem = c.events(ctx, mp)
	return p
}

// record reads the Art. 30 record, but only from the operator's own ConfigMap: one of that
// name that the platform does not control is someone else's text (the operator stalls with
// NameConflict then) and is not shown as the platform's record.
func (c collector) record(ctx context.Context, mp *v1alpha1.MeetingPlatform) report.Record {
	name := settings.ProcessingRecordName(mp)
	var cm corev1.ConfigMap
	err := c.client.Get(ctx, types.NamespacedName{Namespace: mp.Namespace, Name: name}, &cm)
	switch {
	case apierrors.IsNotFound(err):
		return report.Record{Problem: fmt.Sprintf("Not published: ConfigMap %s/%s does not exist.", mp.Namespace, name)}
	case err != nil:
		return report.Record{Problem: fmt.Sprintf("ConfigMap %s/%s could not be read: %v", mp.Namespace, name, err)}
	}
	if owner := metav1.GetControllerOf(&cm); owner == nil || owner.UID != mp.UID {
		return report.Record{Problem: fmt.Sprintf("ConfigMap %s/%s is not controlled by this platform, so it is not its record.", mp.Namespace, name)}
	}
	text, ok := cm.Data[settings.ProcessingRecordKey]
	if !ok {
		return report.Record{Problem: fmt.Sprintf("ConfigMap %s/%s has no key %s.", mp.Namespace, name, settings.ProcessingRecordKey)}
	}
	return report.Record{Markdown: text}
}

// events lists the Events (events.k8s.io/v1, which the operator writes) regarding the platform
// within the window. They are filtered here rather than by a field selector so that the rights
// stay "list events in the namespace" and any API server answers the same.
func (c collector) events(ctx context.Context, mp *v1alpha1.MeetingPlatform) ([]report.Event, string) {
	var out []report.Event
	opts := []client.ListOption{client.InNamespace(mp.Namespace), client.Limit(listPage)}
	for {
		var list eventsv1.EventList
		if err := c.client.List(ctx, &list, opts...); err != nil {
			return nil, fmt.Sprintf("Events in namespace %s could not be read: %v", mp.Namespace, err)
		}
		for i := range list.Items {
			if e, ok := c.eventOf(&list.Items[i], mp); ok {
				out = append(out, e)
			}
		}
		if list.Continue == "" {
			return out, ""
		}
		opts = []client.ListOption{client.InNamespace(mp.Namespace), client.Limit(listPage), client.Continue(list.Continue)}
	}
}

func (c collector) eventOf(ev *eventsv1.Event, mp *v1alpha1.MeetingPlatform) (report.Event, bool) {
	r := ev.Regarding
	if r.Kind != v1alpha1.MeetingPlatformKind || r.Name != mp.Name || (r.UID != "" && r.UID != mp.UID) {
		return report.Event{}, false
	}
	e := report.Event{Time: lastSeen(ev), Type: ev.Type, Reason: ev.Reason, Action: ev.Action, Note: ev.Note, Count: 1}
	if ev.Series != nil {
		e.Count = ev.Series.Count
	}
	if c.since > 0 && e.Time.Before(c.now.Add(-c.since)) {
		return report.Event{}, false
	}
	return e, true
}

// lastSeen is when an Event last happened: its series' last observation, else its eventTime;
// Events written through the core/v1 API carry only the deprecated timestamps.
func lastSeen(ev *eventsv1.Event) time.Time {
	switch {
	case ev.Series != nil:
		return ev.Series.LastObservedTime.Time
	case !ev.EventTime.IsZero():
		return ev.EventTime.Time
	case !ev.DeprecatedLastTimestamp.IsZero():
		return ev.DeprecatedLastTimestamp.Time
	}
	return ev.CreationTimestamp.Time
}

// unknownVersion starts every operator version the plugin could not read.
const unknownVersion = "unknown"

// operatorVersion is the image of the operator's manager container, found by the labels of
// config/manager and the chart. The plugin cannot know an operator that runs outside the
// cluster (make run) or under a renamed chart; it says so.
func (c collector) operatorVersion(ctx context.Context) string {
	var list appsv1.DeploymentList
	err := c.client.List(ctx, &list, client.MatchingLabels{
		settings.LabelName: settings.OperatorNameValue, settings.LabelComponent: settings.OperatorComponentValue,
	})
	if err != nil {
		reason := err.Error()
		if apierrors.IsForbidden(err) {
			reason = "no right to list Deployments"
		}
		return unknownVersion + " (" + reason + ")"
	}
	var images []string
	for _, d := range list.Items {
		for _, ctr := range d.Spec.Template.Spec.Containers {
			if ctr.Name == settings.OperatorContainerName {
				images = append(images, ctr.Image+" ("+d.Namespace+"/"+d.Name+")")
			}
		}
	}
	if len(images) == 0 {
		return fmt.Sprintf("%s (no Deployment labelled %s=%s in the cluster)", unknownVersion, settings.LabelName, settings.OperatorNameValue)
	}
	return strings.Join(images, ", ")
}

// errNoPlatforms: an empty report would read like a clean bill of health.
var errNoPlatforms = errors.New("no MeetingPlatform found")
