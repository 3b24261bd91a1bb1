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
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	typedeventsv1 "k8s.io/client-go/kubernetes/typed/events/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// eventReporter names the operator in the Events it writes (reportingController).
const eventReporter = "meetwarden"

// maxEventNote is the longest note the API server accepts on an Event (events.k8s.io/v1
// refuses longer ones, and the Event is lost).
const maxEventNote = 1024

// boundedRecorder shortens every note to what the API server accepts. Notes start with what
// they are about (the control ID, the object), so the cut falls at the end: the details.
type boundedRecorder struct{ events.EventRecorder }

func (b boundedRecorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	b.EventRecorder.Eventf(regarding, related, eventtype, reason, action, "%s", boundNote(fmt.Sprintf(note, args...)))
}

// boundNote cuts a note to maxEventNote bytes, on a rune boundary, marking the cut.
func boundNote(note string) string {
	if len(note) <= maxEventNote {
		return note
	}
	const mark = " …(cut)"
	cut := maxEventNote - len(mark)
	for cut > 0 && !utf8.RuneStart(note[cut]) {
		cut--
	}
	return note[:cut] + mark
}

// newEventRecorder returns the recorder of the operator's Events: client-go's events.k8s.io
// broadcaster, as the manager's own recorder uses (controller-runtime v0.24,
// pkg/manager/manager.go), but writing through platformEventSink. The broadcaster records from
// now on, so no Event of the first pass is lost, and stops with the manager.
func newEventRecorder(mgr ctrl.Manager) (events.EventRecorder, error) {
	cl, err := typedeventsv1.NewForConfigAndClient(mgr.GetConfig(), mgr.GetHTTPClient())
	if err != nil {
		return nil, err
	}
	broadcaster := events.NewBroadcaster(platformEventSink{EventSink: &events.EventSinkImpl{Interface: cl}, platforms: mgr.GetClient()})
	ctx, cancel := context.WithCancel(context.Background())
	if err := broadcaster.StartRecordingToSinkWithContext(ctx); err != nil {
		cancel()
		return nil, err
	}
	if _, err := broadcaster.StartLogging(mgr.GetLogger().WithName("events").V(1)); err != nil {
		cancel()
		return nil, err
	}
	stop := func(runCtx context.Context) error {
		<-runCtx.Done()
		broadcaster.Shutdown()
		cancel()
		return nil
	}
	if err := mgr.Add(everyReplica{manager.RunnableFunc(stop)}); err != nil {
		cancel()
		return nil, err
	}
	return boundedRecorder{broadcaster.NewRecorder(mgr.GetScheme(), eventReporter)}, nil
}

// everyReplica is a runnable that runs on every replica, leader or not.
type everyReplica struct{ manager.RunnableFunc }

func (everyReplica) NeedLeaderElection() bool { return false }

// platformEventSink writes Events, except those about a platform that is gone or going. The
// broadcaster keeps each Event series it wrote and writes it again later (finishSeries after 6
// minutes, refreshExistingEventSeries every 30; k8s.io/client-go v0.36,
// tools/events/event_broadcaster.go): for a platform deleted with its namespace, that is a
// PATCH and a POST answered 404 by an otherwise idle operator, and an error in its log. An
// Event about an object that no longer exists tells no one anything; it is dropped, as is one
// the API server refuses because its namespace is gone or being deleted.
type platformEventSink struct {
	events.EventSink
	// platforms reads MeetingPlatforms, from the manager's cache.
	platforms client.Reader
}

func (s platformEventSink) Create(ctx context.Context, ev *eventsv1.Event) (*eventsv1.Event, error) {
	if s.aboutAGonePlatform(ctx, ev) {
		return ev, nil
	}
	written, err := s.EventSink.Create(ctx, ev)
	if apierrors.IsNotFound(err) || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		// Creating an Event is refused with 404 only when its namespace is gone.
		ctrl.LoggerFrom(ctx).V(1).Info("dropping an Event: its namespace is gone or being deleted",
			"namespace", ev.Namespace, "reason", ev.Reason)
		return ev, nil
	}
	return written, err
}

func (s platformEventSink) Patch(ctx context.Context, ev *eventsv1.Event, data []byte) (*eventsv1.Event, error) {
	if s.aboutAGonePlatform(ctx, ev) {
		return ev, nil
	}
	// A 404 passes through: the broadcaster then creates the Event (Create above).
	return s.EventSink.Patch(ctx, ev, data)
}

// aboutAGonePlatform says whether ev regards a MeetingPlatform that no longer exists (or
// exists under its name with another UID) or is being deleted. When the cache cannot tell, the
// Event is written.
func (s platformEventSink) aboutAGonePlatform(ctx context.Context, ev *eventsv1.Event) bool {
	ref := ev.Regarding
	if ref.Kind != platformKind || ref.APIVersion != v1alpha1.GroupVersion.String() {
		return false
	}
	mp := &v1alpha1.MeetingPlatform{}
	err := s.platforms.Get(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}, mp)
	switch {
	case apierrors.IsNotFound(err):
		return true
	case err != nil:
		return false
	}
	return mp.UID != ref.UID || !mp.DeletionTimestamp.IsZero()
}

// platformKind is the kind of the objects the operator's Events regard.
const platformKind = v1alpha1.MeetingPlatformKind
