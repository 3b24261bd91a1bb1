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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/csaupgrade"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/render"
)

// desiredHashAnnotation records, on every child, a hash of the object the operator last applied.
// A changed hash means the desired state changed (new spec, new operator version): that is
// applied in both modes. An equal hash on a live object that differs means someone else
// changed it: drift, reverted in Enforce mode and only reported in Audit mode.
const desiredHashAnnotation = "meetwarden.io/desired-hash"

// reconcileChildren renders every owned object and makes the live objects match.
func (r *MeetingPlatformReconciler) reconcileChildren(ctx context.Context, s *scope) (ctrl.Result, error) {
	desired, err := render.Objects(s.mp)
	if err != nil {
		if s.stalled == nil {
			s.stalled = &conditionReason{Reason: "InvalidSpec", Message: err.Error()}
		}
		return ctrl.Result{}, nil
	}
	desired = append(desired, render.CredentialsSecret(s.mp, s.credentials))
	// Rendered also when the pass is stalled: compliance compares the live objects with it.
	s.desired = desired
	if s.stalled != nil {
		// Without the referenced Secrets the components cannot start; deploy once they exist.
		return ctrl.Result{}, nil
	}

	// Once a generation has been fully applied, a missing child was deleted by someone: drift.
	appliedBefore := s.mp.Status.ObservedGeneration == s.mp.Generation
	for _, obj := range desired {
		if err := controllerutil.SetControllerReference(s.mp, obj, r.Scheme()); err != nil {
			return ctrl.Result{}, err
		}
		if err := setDesiredHash(obj); err != nil {
			return ctrl.Result{}, err
		}
		err := r.syncChild(ctx, s, obj, appliedBefore)
		if errors.Is(err, errApplied) {
			s.applied++
			err = nil
		}
		if apierrors.IsInvalid(err) {
			// The API server refuses the object for a reason in the spec or the cluster (e.g. the
			// node port is taken by another Service): retrying without a change cannot help.
			msg := apiMessage(err)
			if strings.Contains(msg, "provided port is already allocated") {
				// Only the media Service names its node port.
				msg += fmt.Sprintf(" (another Service in the cluster uses node port %d: choose a free spec.media.port)", s.mp.Spec.Media.Port)
			}
			s.stalled = &conditionReason{Reason: "ChildRejected", Message: fmt.Sprintf(
				"the API server refused %s %s: %s", kindOf(obj), obj.GetName(), msg)}
			return ctrl.Result{RequeueAfter: unwatchedRecheck}, nil
		}
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("%s %s: %w", kindOf(obj), obj.GetName(), err)
		}
	}
	if s.applied > 0 && len(s.mp.Spec.Media.AdvertiseAddresses) == 0 && len(s.mp.Spec.STUN.Servers) == 0 {
		// Valid, and compliant, but calls would carry no media: private candidates are off
		// (EU-3) and without STUN the videobridge cannot learn its public address.
		r.Recorder.Eventf(s.mp, nil, corev1.EventTypeWarning, "NoMediaAddress", "Reconcile",
			"the videobridge has no address clients can reach: set spec.media.advertiseAddresses to its public IP addresses, or spec.stun.servers to your own STUN servers")
	}
	return ctrl.Result{}, nil
}

// syncChild creates, updates or reverts one child.
func (r *MeetingPlatformReconciler) syncChild(ctx context.Context, s *scope, desired client.Object, appliedBefore bool) error {
	enforce := s.mp.Spec.Compliance.Mode != v1alpha1.ComplianceModeAudit
	name := kindOf(desired) + " " + desired.GetName()

	live, err := r.getLike(ctx, desired)
	if apierrors.IsNotFound(err) {
		if appliedBefore && !enforce {
			s.drifted = append(s.drifted, name+" was deleted")
			return nil
		}
		if err := r.create(ctx, desired); err != nil {
			return err
		}
		if appliedBefore {
			r.driftReverted(s, desired, name+" was deleted; recreated")
			return nil
		}
		return errApplied
	}
	if err != nil {
		return err
	}

	foreign := foreignChanges(live)
	desiredChanged := live.GetAnnotations()[desiredHashAnnotation] != desired.GetAnnotations()[desiredHashAnnotation]
	differs, err := firstDifference(desired, live)
	if err != nil {
		return err
	}
	if !desiredChanged && differs == "" && len(foreign) == 0 {
		if ownedByUpdate(live) {
			// An earlier pass replaced the object but could not finish ownByApply.
			return r.ownByApply(ctx, live)
		}
		return nil // converged: no write
	}

	what := describeDrift(foreign, differs)
	if !desiredChanged && !enforce {
		s.drifted = append(s.drifted, name+": "+what)
		return nil
	}
	var replaced client.Object
	if len(foreign) > 0 {
		// Server-side apply never removes fields another manager owns (an env var added with
		// `kubectl set env`, an extra volume or container): replace the whole object instead.
		replaced, err = r.replace(ctx, desired, live)
	} else {
		err = r.apply(ctx, desired)
	}
	if err != nil {
		return err
	}
	if !desiredChanged {
		r.driftReverted(s, desired, name+": "+what)
	}
	if replaced != nil {
		// After the Event: the revert is done even when this bookkeeping has to be retried.
		if err := r.ownByApply(ctx, replaced); err != nil {
			return err
		}
	}
	if !desiredChanged {
		return nil
	}
	return errApplied
}

// errApplied tells the caller that syncChild wrote a changed desired state (not a revert).
var errApplied = errors.New("applied a changed desired state")

func (r *MeetingPlatformReconciler) driftReverted(s *scope, obj client.Object, what string) {
	s.reverted = append(s.reverted, what)
	r.Recorder.Eventf(s.mp, obj, corev1.EventTypeWarning, "DriftReverted", "Revert", "reverted %s", what)
}

// apply writes the object with server-side apply under the operator's one field owner.
func (r *MeetingPlatformReconciler) apply(ctx context.Context, obj client.Object) error {
	applied := obj.DeepCopyObject().(client.Object)
	applied.SetManagedFields(nil)
	applied.SetResourceVersion("")
	//nolint:staticcheck // client.Apply with a typed object is the documented way until typed apply configurations are generated for every kind.
	return r.Patch(ctx, applied, client.Apply, client.FieldOwner(render.FieldOwner), client.ForceOwnership)
}

// create makes a missing child. Server-side apply can create objects too, and does for every kind
// but a Service that asks for a fixed node port: the API server's create-on-apply path commits
// the node-port allocation before it writes the object, so an apply cut short (the operator
// killed, a request timeout) leaks the port, and the platform's own media port is then refused
// as "already allocated" until the API server's repair loop frees it, about ten minutes later. A
// POST releases the allocation when the write fails.
func (r *MeetingPlatformReconciler) create(ctx context.Context, obj client.Object) error {
	svc, ok := obj.(*corev1.Service)
	if !ok || !requestsNodePort(svc) {
		return r.apply(ctx, obj)
	}
	// The cache may not show yet what the previous pass created, and a POST of an existing
	// Service with a fixed node port fails as "already allocated" rather than AlreadyExists.
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(svc), &corev1.Service{}); !apierrors.IsNotFound(err) {
		if err != nil {
			return err
		}
		return r.apply(ctx, obj)
	}
	created := svc.DeepCopy()
	created.SetManagedFields(nil)
	created.SetResourceVersion("")
	if err := r.Create(ctx, created, client.FieldOwner(render.FieldOwner)); err != nil {
		return err
	}
	return r.ownByApply(ctx, created)
}

// requestsNodePort tells whether the Service names a node port rather than letting Kubernetes
// choose one.
func requestsNodePort(svc *corev1.Service) bool {
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			return true
		}
	}
	return false
}

// ownByApply moves the fields the operator wrote with a POST or PUT into its server-side apply
// entry. Left in a separate Update entry they would stay owned by it, and a later apply could
// never remove them: after a change of spec.media.port the old port would linger next to the new.
func (r *MeetingPlatformReconciler) ownByApply(ctx context.Context, obj client.Object) error {
	for attempt := 0; ; attempt++ {
		patch, err := csaupgrade.UpgradeManagedFieldsPatch(obj, sets.New(render.FieldOwner), render.FieldOwner)
		if err != nil || patch == nil {
			return err
		}
		// The patch carries the resourceVersion it was computed from, so that it cannot drop
		// another manager's entry written in between; it then conflicts and is recomputed.
		err = r.Patch(ctx, obj, client.RawPatch(types.JSONPatchType, patch))
		if !apierrors.IsConflict(err) || attempt == 2 {
			return err
		}
		// Usually the Deployment controller wrote its status right after the replace.
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
	}
}

// ownedByUpdate tells whether the operator still owns fields of obj through an Update entry.
func ownedByUpdate(obj client.Object) bool {
	return slices.ContainsFunc(obj.GetManagedFields(), func(mf metav1.ManagedFieldsEntry) bool {
		return mf.Manager == render.FieldOwner && mf.Operation == metav1.ManagedFieldsOperationUpdate && mf.Subresource == ""
	})
}

// replace overwrites the live object with the desired one (an update, not an apply), which drops
// every field other managers added. Values the API server allocated are carried over.
func (r *MeetingPlatformReconciler) replace(ctx context.Context, desired, live client.Object) (client.Object, error) {
	obj := desired.DeepCopyObject().(client.Object)
	obj.SetResourceVersion(live.GetResourceVersion())
	for _, key := range systemAnnotations {
		if v, ok := live.GetAnnotations()[key]; ok {
			annotations := obj.GetAnnotations()
			annotations[key] = v
			obj.SetAnnotations(annotations)
		}
	}
	if svc, ok := obj.(*corev1.Service); ok {
		keepAllocated(svc, live.(*corev1.Service))
	}
	err := r.Update(ctx, obj, client.FieldOwner(render.FieldOwner))
	for attempt := 0; apierrors.IsConflict(err) && attempt < 3; attempt++ {
		// The cache lagged behind another writer (often the Deployment controller's status);
		// read the current version past the cache and replace that.
		fresh := obj.DeepCopyObject().(client.Object)
		if err = r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), fresh); err != nil {
			return nil, err
		}
		obj.SetResourceVersion(fresh.GetResourceVersion())
		err = r.Update(ctx, obj, client.FieldOwner(render.FieldOwner))
	}
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// keepAllocated copies what the API server assigned to a Service (cluster IPs, node ports the
// spec left open) so that a replace does not try to change immutable fields.
func keepAllocated(svc, live *corev1.Service) {
	svc.Spec.ClusterIP = live.Spec.ClusterIP
	svc.Spec.ClusterIPs = live.Spec.ClusterIPs
	svc.Spec.IPFamilies = live.Spec.IPFamilies
	svc.Spec.IPFamilyPolicy = live.Spec.IPFamilyPolicy
	if svc.Spec.HealthCheckNodePort == 0 {
		svc.Spec.HealthCheckNodePort = live.Spec.HealthCheckNodePort
	}
	for i := range svc.Spec.Ports {
		for _, lp := range live.Spec.Ports {
			if svc.Spec.Ports[i].Name == lp.Name && svc.Spec.Ports[i].NodePort == 0 {
				svc.Spec.Ports[i].NodePort = lp.NodePort
			}
		}
	}
}

// getLike reads the live counterpart of a desired object from the cache.
func (r *MeetingPlatformReconciler) getLike(ctx context.Context, desired client.Object) (client.Object, error) {
	var live client.Object
	if u, ok := desired.(*unstructured.Unstructured); ok {
		lu := &unstructured.Unstructured{}
		lu.SetGroupVersionKind(u.GroupVersionKind())
		live = lu
	} else {
		live = desired.DeepCopyObject().(client.Object)
	}
	err := r.Get(ctx, client.ObjectKeyFromObject(desired), live)
	return live, err
}

// setDesiredHash stamps the object with a hash of its desired content.
func setDesiredHash(obj client.Object) error {
	annotations := obj.GetAnnotations()
	delete(annotations, desiredHashAnnotation)
	obj.SetAnnotations(annotations)
	raw, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[desiredHashAnnotation] = hex.EncodeToString(sum[:8])
	obj.SetAnnotations(annotations)
	return nil
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

func kindOf(obj client.Object) string {
	if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" {
		return k
	}
	return fmt.Sprintf("%T", obj)
}

// toMap converts a typed or unstructured object to its JSON map.
func toMap(obj runtime.Object) (map[string]any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.Object, nil
	}
	return runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
}
