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
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// setTURNStatus writes the TURN endpoints the operator announces through prosody into
// status.media.turn, leaving the rest of status.media as it is.
func setTURNStatus(st *v1alpha1.MeetingPlatformStatus, mp *v1alpha1.MeetingPlatform) {
	var turn []v1alpha1.TURNEndpointStatus
	for _, e := range settings.TURNEndpoints(mp) {
		turn = append(turn, v1alpha1.TURNEndpointStatus{Host: e.Host, Port: e.Port, Transport: e.Transport})
	}
	if st.Media == nil {
		st.Media = &v1alpha1.MediaStatus{}
	}
	st.Media.TURN = turn
	if equality.Semantic.DeepEqual(*st.Media, v1alpha1.MediaStatus{}) {
		st.Media = nil
	}
}

// nullClearedMedia makes the merge patch from base send null for what status.media held before
// (in the status last written or stored) and holds no more: left out of a merge patch, a field
// keeps its stored value. status.media goes when nothing is left of it; its turn list goes
// when spec.turn is switched off while the bridges stay.
func nullClearedMedia(base *v1alpha1.MeetingPlatform, now *v1alpha1.MediaStatus, before ...*v1alpha1.MediaStatus) {
	for _, had := range before {
		switch {
		case had == nil:
		case now == nil:
			base.Status.Media = &v1alpha1.MediaStatus{}
			return
		case len(now.TURN) == 0 && len(had.TURN) > 0:
			base.Status.Media = &v1alpha1.MediaStatus{TURN: had.TURN}
			return
		}
	}
}

// patchStatus computes the status from what this pass found and writes it only when it changed,
// so a converged platform causes no writes.
func (r *MeetingPlatformReconciler) patchStatus(ctx context.Context, s *scope, original *v1alpha1.MeetingPlatform, reconcileErr error) error {
	mp := s.mp
	key := client.ObjectKeyFromObject(mp)
	previous := r.previousStatus(original)
	last, known := r.lastWritten(original)
	mp.Status = *previous.DeepCopy()
	st := &mp.Status
	st.URL = settings.PublicURL(mp)
	if s.components != nil {
		st.Components = s.components
	}
	if s.media != nil {
		st.Media = s.media
	}
	if s.inventory.Len() > 0 {
		st.Inventory = sets.List(s.inventory)
	}
	setTURNStatus(st, mp)
	if s.image.Tag != "" {
		st.Image = s.image.DeepCopy()
	}
	if s.results != nil {
		r.recordControlChanges(s, previous.Compliance)
		st.Compliance = complianceStatus(s.results, previous.Compliance, s.now)
	}
	for _, c := range conditions(s, reconcileErr) {
		c.ObservedGeneration = mp.Generation
		meta.SetStatusCondition(&st.Conditions, c)
	}
	if reconcileErr == nil {
		st.ObservedGeneration = mp.Generation
	}
	setMetrics(mp, s.results)
	setStalledMetric(mp)

	unchangedInCache := equality.Semantic.DeepEqual(original.Status, mp.Status)
	if unchangedInCache && (!known || equality.Semantic.DeepEqual(last, mp.Status)) {
		return nil
	}
	if stalledChanged(previous, mp.Status) && s.stalled != nil {
		r.Recorder.Eventf(mp, nil, corev1.EventTypeWarning, s.stalled.reason, "Reconcile", "%s", s.stalled.message)
	}
	// The patch carries the whole status, not a diff against the cached object, which may be
	// older than the last write.
	base := mp.DeepCopy()
	base.Status = v1alpha1.MeetingPlatformStatus{}
	nullClearedMedia(base, mp.Status.Media, previous.Media, original.Status.Media)
	if err := r.Status().Patch(ctx, mp, client.MergeFrom(base)); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.written.Store(key, writtenStatus{uid: mp.UID, status: *mp.Status.DeepCopy()})
	return nil
}

// previousStatus is the status a pass starts from: the one last written, which the cache may
// not show yet. Diffed against a stale copy, Events would repeat, transition times jump back and
// the inventory lose what the last pass applied.
func (r *MeetingPlatformReconciler) previousStatus(original *v1alpha1.MeetingPlatform) v1alpha1.MeetingPlatformStatus {
	if last, ok := r.lastWritten(original); ok {
		return last
	}
	return original.Status
}

// writtenStatus is the status last written for a platform, with the platform's UID: a platform
// deleted and created again under its name must not inherit its predecessor's status.
type writtenStatus struct {
	uid    types.UID
	status v1alpha1.MeetingPlatformStatus
}

// lastWritten returns the status last written for this very platform.
func (r *MeetingPlatformReconciler) lastWritten(mp *v1alpha1.MeetingPlatform) (v1alpha1.MeetingPlatformStatus, bool) {
	v, ok := r.written.Load(client.ObjectKeyFromObject(mp))
	if !ok || v.(writtenStatus).uid != mp.UID {
		return v1alpha1.MeetingPlatformStatus{}, false
	}
	return v.(writtenStatus).status, true
}

func stalledChanged(before, after v1alpha1.MeetingPlatformStatus) bool {
	b := meta.FindStatusCondition(before.Conditions, v1alpha1.ConditionStalled)
	a := meta.FindStatusCondition(after.Conditions, v1alpha1.ConditionStalled)
	return b == nil || a == nil || b.Status != a.Status || b.Reason != a.Reason || b.Message != a.Message
}

// complianceStatus builds status.compliance: failing controls first, then warnings, then passes.
// lastEvaluationTime moves only when a result changes, so an unchanged evaluation writes nothing.
func complianceStatus(results []v1alpha1.ControlStatus, previous *v1alpha1.ComplianceStatus, now time.Time) *v1alpha1.ComplianceStatus {
	out := &v1alpha1.ComplianceStatus{Profile: v1alpha1.ComplianceProfile}
	for _, want := range []v1alpha1.ControlResultValue{v1alpha1.ResultFail, v1alpha1.ResultWarn, v1alpha1.ResultPass} {
		for _, r := range results {
			if r.Result == want {
				out.Controls = append(out.Controls, r)
			}
		}
	}
	for _, r := range results {
		switch r.Result {
		case v1alpha1.ResultPass:
			out.Summary.Pass++
		case v1alpha1.ResultFail:
			out.Summary.Fail++
		case v1alpha1.ResultWarn:
			out.Summary.Warn++
		}
	}
	if previous != nil && previous.LastEvaluationTime != nil && equality.Semantic.DeepEqual(previous.Controls, out.Controls) {
		out.LastEvaluationTime = previous.LastEvaluationTime
	} else {
		at := metav1.NewTime(now)
		out.LastEvaluationTime = &at
	}
	return out
}

// recordControlChanges emits ControlFailed / ControlPassed for every control whose result changed.
func (r *MeetingPlatformReconciler) recordControlChanges(s *scope, previous *v1alpha1.ComplianceStatus) {
	before := map[string]v1alpha1.ControlResultValue{}
	if previous != nil {
		for _, c := range previous.Controls {
			before[c.ID] = c.Result
		}
	}
	for _, c := range s.results {
		old, seen := before[c.ID]
		// The action names the control: the event library folds Events with the same type,
		// reason, action and objects into one series that keeps the first note, which would
		// hide every other control failing in the same pass.
		action := "Evaluate/" + c.ID
		switch {
		case c.Result == v1alpha1.ResultFail && old != v1alpha1.ResultFail:
			r.Recorder.Eventf(s.mp, nil, corev1.EventTypeWarning, v1alpha1.EventControlFailed, action, "%s (%s): %s", c.ID, c.Severity, c.Message)
		case c.Result != v1alpha1.ResultFail && old == v1alpha1.ResultFail && seen:
			r.Recorder.Eventf(s.mp, nil, corev1.EventTypeNormal, v1alpha1.EventControlPassed, action, "%s: %s", c.ID, c.Message)
		}
	}
}

// conditions derives every condition from the scope. Each is its own small function; Ready
// summarises them.
func conditions(s *scope, reconcileErr error) []metav1.Condition {
	var compliance []metav1.Condition
	if s.results != nil {
		compliance = append(compliance, compliantCondition(s.results))
		for _, f := range settings.Families {
			compliance = append(compliance, familyCondition(s.results, f))
		}
		if !s.cacheStaleSince.IsZero() {
			compliance = staleConditions(compliance, s.cacheStaleSince)
		}
	}
	stalled := stalledCondition(s)
	reconciling := reconcilingCondition(s, reconcileErr)
	// The order is the order `kubectl describe` shows them in: the summary first.
	out := []metav1.Condition{readyCondition(s, compliance, stalled, reconciling), reconciling, stalled}
	return append(out, compliance...)
}

func familyCondition(results []v1alpha1.ControlStatus, f settings.FamilyCondition) metav1.Condition {
	ok, failing := evaluate.FamilyResult(results, f.Family)
	if ok {
		return metav1.Condition{Type: f.Condition, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonControlsPass,
			Message: fmt.Sprintf("every %s control passes", f.Family)}
	}
	return metav1.Condition{Type: f.Condition, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonControlsFail,
		Message: failingMessage(failing)}
}

func compliantCondition(results []v1alpha1.ControlStatus) metav1.Condition {
	var failing []v1alpha1.ControlStatus
	for _, r := range results {
		if r.Result == v1alpha1.ResultFail {
			failing = append(failing, r)
		}
	}
	if len(failing) == 0 {
		return metav1.Condition{Type: v1alpha1.ConditionCompliant, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonAllControlsPass,
			Message: fmt.Sprintf("every control of %s passes", v1alpha1.ComplianceProfile)}
	}
	return metav1.Condition{Type: v1alpha1.ConditionCompliant, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonControlsFail,
		Message: fmt.Sprintf("%d of %d controls fail: %s", len(failing), len(results), failingMessage(failing))}
}

// failingMessage names the failing controls, the first with its message.
func failingMessage(failing []v1alpha1.ControlStatus) string {
	first := failing[0].ID + ": " + failing[0].Message
	if len(failing) == 1 {
		return first
	}
	ids := make([]string, 0, len(failing))
	for _, f := range failing {
		ids = append(ids, f.ID)
	}
	return fmt.Sprintf("%s fail; %s", strings.Join(ids, ", "), first)
}

func stalledCondition(s *scope) metav1.Condition {
	if s.stalled != nil {
		return metav1.Condition{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue, Reason: s.stalled.reason, Message: s.stalled.message}
	}
	return metav1.Condition{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonRealisable,
		Message: "the spec can be realised"}
}

func reconcilingCondition(s *scope, reconcileErr error) metav1.Condition {
	c := metav1.Condition{Type: v1alpha1.ConditionReconciling, Status: metav1.ConditionTrue}
	switch {
	case s.stalled != nil:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, v1alpha1.ReasonStalled, "waiting for the spec to become realisable"
	case reconcileErr != nil:
		c.Reason, c.Message = v1alpha1.ReasonRetryingAfterError, reconcileErr.Error()
	case s.applied > 0:
		c.Reason, c.Message = v1alpha1.ReasonApplyingChanges, fmt.Sprintf("applied %d changed objects; evaluating once they are observed", s.applied)
	case len(s.reverted) > 0:
		c.Reason, c.Message = v1alpha1.ReasonRevertingDrift, "reverted "+strings.Join(s.reverted, "; ")
	case !componentsReady(s):
		c.Reason, c.Message = v1alpha1.ReasonComponentsProgressing, "waiting for "+notReady(s)
	case s.held != nil:
		c.Reason, c.Message = s.held.reason, heldMessage(s.held)
		if s.held.reason == v1alpha1.ReasonRolloutDeferred {
			// Nothing is under way: the operator waits for the user, as kstatus' Current says.
			c.Status = metav1.ConditionFalse
		}
	default:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, v1alpha1.ReasonConverged, "every child matches the desired state"
	}
	return c
}

func readyCondition(s *scope, others []metav1.Condition, stalled, reconciling metav1.Condition) metav1.Condition {
	c := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse}
	compliant := meta.FindStatusCondition(others, v1alpha1.ConditionCompliant)
	switch {
	case stalled.Status == metav1.ConditionTrue:
		c.Reason, c.Message = stalled.Reason, stalled.Message
	case !componentsReady(s):
		c.Reason, c.Message = v1alpha1.ReasonComponentsNotReady, "waiting for "+notReady(s)
	case compliant == nil:
		// Not evaluated in this pass (its own writes are not in the cache yet).
		c.Reason, c.Message = reconciling.Reason, reconciling.Message
	case compliant.Status == metav1.ConditionUnknown:
		c.Status, c.Reason, c.Message = metav1.ConditionUnknown, compliant.Reason, compliant.Message
	case compliant.Status != metav1.ConditionTrue:
		c.Reason, c.Message = v1alpha1.ReasonNotCompliant, compliant.Message
		if len(s.drifted) > 0 {
			c.Message = "drift left in place (Audit mode): " + strings.Join(s.drifted, "; ")
		}
	case reconciling.Status == metav1.ConditionTrue && reconciling.Reason != v1alpha1.ReasonRolloutQueued:
		// A queued rollout is no reason to page anyone: the platform serves, as it is judged.
		c.Reason, c.Message = reconciling.Reason, reconciling.Message
	default:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, v1alpha1.ReasonReady, "every component is available and every control passes"
	}
	return c
}

// componentsReady tells whether every component has all its replicas available, running its
// current template.
func componentsReady(s *scope) bool {
	if len(s.components) == 0 || len(s.rollingOut) > 0 {
		return false
	}
	for _, c := range s.components {
		if c.DesiredReplicas == 0 || c.ReadyReplicas < c.DesiredReplicas {
			return false
		}
	}
	return true
}

// notReady says what componentsReady waits for: "web (1/2 ready)", "jvb (rolling out, 1/1 ready)".
func notReady(s *scope) string {
	var parts []string
	for _, c := range s.components {
		switch {
		case slices.Contains(s.rollingOut, c.Name):
			parts = append(parts, fmt.Sprintf("%s (rolling out, %d/%d ready)", c.Name, c.ReadyReplicas, c.DesiredReplicas))
		case c.DesiredReplicas == 0 || c.ReadyReplicas < c.DesiredReplicas:
			parts = append(parts, fmt.Sprintf("%s (%d/%d ready)", c.Name, c.ReadyReplicas, c.DesiredReplicas))
		}
	}
	if len(parts) == 0 {
		return "components"
	}
	return strings.Join(parts, ", ")
}
