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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedeventsv1 "k8s.io/client-go/kubernetes/typed/events/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/utils"
)

// The broadcaster writes an Event series again minutes after its last occurrence (finishSeries,
// 6 min); the test calls the sink as the broadcaster would, rather than wait for it.
func TestEventsAboutAGonePlatformAreDroppedWithoutARequest(t *testing.T) {
	ctx := context.Background()
	counter := &utils.WriteCounter{}
	cl, err := typedeventsv1.NewForConfig(counter.Wrap(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	sink := platformEventSink{EventSink: &events.EventSinkImpl{Interface: cl}, platforms: k8s}

	mp := newPlatform(newNamespace(t), v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(ctx, mp); err != nil {
		t.Fatal(err)
	}
	first := eventAbout(mp, "first")
	if _, err := sink.Create(ctx, first); err != nil {
		t.Fatalf("an Event about a live platform: %v", err)
	}
	if n := len(counter.Writes()); n != 1 {
		t.Fatalf("%d writes for an Event about a live platform, want 1: %v", n, counter.Writes())
	}

	if err := k8s.Delete(ctx, mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the platform is gone", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(mp), &v1alpha1.MeetingPlatform{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (%w)", err)
		}
		return nil
	})
	// What finishSeries sends for the series of a platform deleted with its namespace.
	if _, err := sink.Patch(ctx, first, []byte(`{"series":{"count":3}}`)); err != nil {
		t.Errorf("patching an Event series of a gone platform: %v", err)
	}
	if _, err := sink.Create(ctx, eventAbout(mp, "second")); err != nil {
		t.Errorf("creating an Event about a gone platform: %v", err)
	}
	if writes := counter.Writes(); len(writes) != 1 {
		t.Errorf("Events about a gone platform were sent: %v", writes[1:])
	}
}

func TestAnEventTheAPIServerRefusesForADeletedNamespaceIsDroppedQuietly(t *testing.T) {
	ctx := context.Background()
	cl, err := typedeventsv1.NewForConfig(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	sink := platformEventSink{EventSink: &events.EventSinkImpl{Interface: cl}, platforms: k8s}
	ns := newNamespace(t)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(ctx, mp); err != nil {
		t.Fatal(err)
	}
	// Nothing would ever delete it: the managers of later tests would reconcile it in vain.
	t.Cleanup(func() { _ = k8s.Delete(ctx, mp) })
	// envtest runs no namespace controller: the namespace stays Terminating, the platform in it.
	if err := k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the namespace is Terminating", func() error {
		live := &corev1.Namespace{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: ns}, live); err != nil {
			return err
		}
		if live.Status.Phase != corev1.NamespaceTerminating {
			return fmt.Errorf("namespace %s is %s", ns, live.Status.Phase)
		}
		return nil
	})
	if _, err := sink.Create(ctx, eventAbout(mp, "late")); err != nil {
		t.Errorf("an Event refused for its terminating namespace came back as an error, which the broadcaster logs: %v", err)
	}
	gone := eventAbout(mp, "nowhere")
	gone.Namespace = "no-such-namespace"
	if _, err := sink.Create(ctx, gone); err != nil {
		t.Errorf("an Event refused for its missing namespace came back as an error: %v", err)
	}
	if _, err := cl.Events(ns).Get(ctx, "meet.late", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Event in the terminating namespace was written after all (%v)", err)
	}
}

// eventAbout is an Event as the operator's recorder makes it, regarding the platform.
func eventAbout(mp *v1alpha1.MeetingPlatform, suffix string) *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: mp.Name + "." + suffix},
		EventTime:  metav1.NewMicroTime(time.Now()),
		Regarding: corev1.ObjectReference{APIVersion: v1alpha1.GroupVersion.String(), Kind: platformKind,
			Namespace: mp.Namespace, Name: mp.Name, UID: mp.UID, ResourceVersion: mp.ResourceVersion},
		Reason: v1alpha1.EventControlFailed, Action: "Evaluate", Type: corev1.EventTypeWarning, Note: "TEL-1 (critical): analytics on",
		ReportingController: eventReporter, ReportingInstance: eventReporter + "-test",
	}
}
