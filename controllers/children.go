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
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/render"
)

// reconcileDesired renders every owned object. It runs also when the pass is stalled:
// compliance compares the live objects with what the operator wants.
func (r *MeetingPlatformReconciler) reconcileDesired(_ context.Context, s *scope) (ctrl.Result, error) {
	desired, err := render.Objects(s.mp)
	if err != nil {
		return ctrl.Result{}, stall(v1alpha1.ReasonInvalidSpec, "%s", err.Error())
	}
	s.desired = append(desired, render.CredentialsSecret(s.mp, s.credentials))
	return ctrl.Result{}, nil
}

// reconcileChildren makes the live objects match the desired ones. It does not run on a
// stalled pass: without the referenced Secrets the components cannot start, so they are
// deployed once the inputs exist.
func (r *MeetingPlatformReconciler) reconcileChildren(ctx context.Context, s *scope) (ctrl.Result, error) {
	// Once a generation has been fully applied, a missing child was deleted by someone: drift.
	appliedBefore := s.mp.Status.ObservedGeneration == s.mp.Generation
	for _, obj := range s.desired {
		if err := apply.Prepare(s.mp, obj, r.Scheme()); err != nil {
			return ctrl.Result{}, err
		}
		res, err := r.syncChild(ctx, s, obj, appliedBefore)
		if res.Outcome == apply.Created || res.Outcome == apply.Changed {
			s.applied++
		}
		if apierrors.IsInvalid(err) {
			// The API server refuses the object for a reason in the spec or the cluster (e.g. the
			// node port is taken by another Service): retrying without a change cannot help.
			msg := apiMessage(err)
			if strings.Contains(msg, "provided port is already allocated") {
				// Only the media Service names its node port.
				msg += fmt.Sprintf(" (another Service in the cluster uses node port %d: choose a free spec.media.port)", s.mp.Spec.Media.Port)
			}
			return ctrl.Result{RequeueAfter: unwatchedRecheck}, stall(v1alpha1.ReasonChildRejected,
				"the API server refused %s %s: %s", apply.KindOf(obj), obj.GetName(), msg)
		}
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("%s %s: %w", apply.KindOf(obj), obj.GetName(), err)
		}
	}
	if s.applied > 0 && len(s.mp.Spec.Media.AdvertiseAddresses) == 0 && len(s.mp.Spec.STUN.Servers) == 0 {
		// Valid, and compliant, but calls would carry no media: private candidates are off
		// (EU-3) and without STUN the videobridge cannot learn its public address.
		r.Recorder.Eventf(s.mp, nil, corev1.EventTypeWarning, v1alpha1.EventNoMediaAddress, "Reconcile",
			"the videobridge has no address clients can reach: set spec.media.advertiseAddresses to its public IP addresses, or spec.stun.servers to your own STUN servers")
	}
	return ctrl.Result{}, nil
}

// syncChild creates, updates or reverts one child prepared with apply.Prepare, and reports drift
// on the scope and as Events. Every child goes through it, the processing record included.
func (r *MeetingPlatformReconciler) syncChild(ctx context.Context, s *scope, obj client.Object, appliedBefore bool) (apply.Result, error) {
	mode := apply.Enforce
	if s.mp.Spec.Compliance.Mode == v1alpha1.ComplianceModeAudit {
		mode = apply.Audit
	}
	// The Applier holds nothing but the two clients: made here, it needs no wiring, and a
	// reconciler built field by field (as tests do) has one too.
	applier := &apply.Applier{Client: r.Client, APIReader: r.APIReader}
	res, err := applier.Sync(ctx, obj, apply.Options{Mode: mode, AppliedBefore: appliedBefore})
	switch res.Outcome {
	case apply.Reverted:
		// Also when err is set: the revert is done even when the bookkeeping after it has to
		// be retried (see apply.Applier.Sync).
		s.reverted = append(s.reverted, res.Drift)
		r.Recorder.Eventf(s.mp, obj, corev1.EventTypeWarning, v1alpha1.EventDriftReverted, "Revert", "reverted %s", res.Drift)
	case apply.DriftLeft:
		s.drifted = append(s.drifted, res.Drift)
	}
	return res, err
}

// apiMessage is the API server's explanation of a refused object, without the object's name
// that the condition message already carries.
func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if d := status.Status().Details; d != nil && len(d.Causes) > 0 {
			parts := make([]string, 0, len(d.Causes))
			for _, c := range d.Causes {
				parts = append(parts, c.Field+": "+c.Message)
			}
			return strings.Join(parts, "; ")
		}
	}
	return err.Error()
}
