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
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// reconcileDesired resolves the image tag and renders every owned object. It runs also when the
// pass is stalled: compliance compares the live objects with what the operator wants.
func (r *MeetingPlatformReconciler) reconcileDesired(ctx context.Context, s *scope) (ctrl.Result, error) {
	s.image = r.resolveImage(s.mp)
	r.recordUnverifiedImage(s)
	media, err := r.readMediaInputs(ctx, s.mp)
	if err != nil {
		return ctrl.Result{}, err
	}
	s.media = mediaStatus(s.mp, media)
	s.mediaInputs = media
	opts, res, err := r.renderOptions(ctx, s)
	if err != nil {
		return ctrl.Result{}, err
	}
	desired, err := render.Objects(s.mp, append(opts, render.WithMedia(media), render.WithTokenBridgeImage(r.TokenBridgeImage))...)
	if err != nil {
		return ctrl.Result{}, stall(v1alpha1.ReasonInvalidSpec, "%s", err.Error())
	}
	s.desired = append(desired, render.CredentialsSecret(s.mp, s.credentials))
	stampSecretsDigest(s.mp, s.desired, s.inputs.versions)
	return res, nil
}

// renderOptions are what the renderer is told about the cluster: whether the platform's
// Ingress gets Traefik Middlewares, or its HTTPRoute the Gateway's response headers. A
// platform on Traefik in a cluster without the Middleware kind is looked at again after
// traefikRecheck.
func (r *MeetingPlatformReconciler) renderOptions(ctx context.Context, s *scope) ([]render.Option, ctrl.Result, error) {
	if settings.UsesGateway(s.mp) {
		opts, err := r.gatewayRenderOptions(ctx, s.mp)
		return opts, ctrl.Result{}, err
	}
	onTraefik, err := r.servedByTraefik(ctx, s.mp)
	if err != nil || !onTraefik {
		return nil, ctrl.Result{}, err
	}
	served, err := r.optional.Served(ctx, middlewareGVK)
	if err != nil {
		return nil, ctrl.Result{}, err
	}
	s.middlewaresServed = served
	if !served {
		return nil, ctrl.Result{RequeueAfter: traefikRecheck}, nil
	}
	return []render.Option{render.WithTraefikMiddlewares()}, ctrl.Result{}, nil
}

// stampSecretsDigest puts on each component's pod template the digest of the versions of the
// Secrets it reads (settings.SecretEnvs): env from secretKeyRef is read once, at container
// start, so only a new pod sees a rotated value. A component that reads no Secret gets none.
func stampSecretsDigest(mp *v1alpha1.MeetingPlatform, desired []client.Object, versions map[string]string) {
	read := map[settings.Component][]string{}
	for _, e := range settings.SecretEnvs(mp) {
		if !slices.Contains(read[e.Component], e.Secret) {
			read[e.Component] = append(read[e.Component], e.Secret)
		}
	}
	if settings.OwnTURN(mp) != nil {
		// coturn reads its mounted certificate only at start (versionTURNCertificate).
		read[settings.TURN] = append(read[settings.TURN], settings.TURNTLSSecretName(mp))
	}
	for _, obj := range desired {
		d, ok := obj.(*appsv1.Deployment)
		if !ok {
			continue
		}
		secrets := read[settings.Component(d.Labels[settings.LabelComponent])]
		if len(secrets) == 0 {
			continue
		}
		slices.Sort(secrets)
		h := sha256.New()
		for _, name := range secrets {
			_, _ = fmt.Fprintf(h, "%s\x00%s\x00", name, versions[name]) // a hash.Hash never fails
		}
		if d.Spec.Template.Annotations == nil {
			d.Spec.Template.Annotations = map[string]string{}
		}
		d.Spec.Template.Annotations[settings.SecretsDigestAnnotation] = hex.EncodeToString(h.Sum(nil))[:16]
	}
}

// reconcileChildren makes the live objects match the desired ones, except for the components
// whose rollout waits for its turn (paceRollout), which are left as they run. It does not run on
// a stalled pass: without the referenced Secrets the components cannot start, so they are
// deployed once the inputs exist.
func (r *MeetingPlatformReconciler) reconcileChildren(ctx context.Context, s *scope) (ctrl.Result, error) {
	wait, err := r.paceRollout(ctx, s)
	if err != nil {
		return ctrl.Result{}, err
	}
	res, err := r.applyChildren(ctx, s)
	return lowestRequeue(res, ctrl.Result{RequeueAfter: wait}), err
}

// applyChildren writes every desired child.
//
// Isolation goes first (the NetworkPolicies, then the credentials Secret the components need),
// and one refused child does not stop the others: a taken node port or a refused Ingress must
// not leave the web pods reachable from the whole cluster because the default-deny policy was
// never written. Every failure of the pass is reported together.
func (r *MeetingPlatformReconciler) applyChildren(ctx context.Context, s *scope) (ctrl.Result, error) {
	var refusals []refusal
	var failures []error
	for _, obj := range isolationFirst(s.desired) {
		if id := inventoryID(obj); id == s.createdEarlier || (s.held != nil && s.held.children.Has(id)) {
			continue
		}
		if err := apply.Prepare(s.mp, obj, r.Scheme()); err != nil {
			return ctrl.Result{}, err
		}
		res, err := r.syncChild(ctx, s, obj)
		if res.Outcome == apply.Created || res.Outcome == apply.Changed {
			s.applied++
		}
		if res.Outcome == apply.DriftLeft && s.revertsPaused[inventoryID(obj)] {
			what := apply.KindOf(obj) + " " + obj.GetName()
			refusals = append(refusals, refusal{reason: v1alpha1.ReasonRevertLoop, what: what, message: fmt.Sprintf(
				"reverted %d times within %s and changed back each time (%s): another manager or a person keeps writing it; reverts pause for %s",
				loopLimit, loopWindow, strings.TrimPrefix(res.Drift, what+": "), loopWindow)})
		}
		if res.Outcome == apply.Overridden {
			// Reverting again cannot help: a person must change the webhook or policy. The
			// drift stays visible in compliance, which judges the stored object.
			what := apply.KindOf(obj) + " " + obj.GetName()
			refusals = append(refusals, refusal{reason: v1alpha1.ReasonAdmissionMutated, what: what, message: strings.TrimPrefix(res.Drift, what+": ")})
		}
		if err == nil {
			continue
		}
		what := apply.KindOf(obj) + " " + obj.GetName()
		if ref, ok := refused(err, s.mp); ok {
			ref.what = what
			refusals = append(refusals, ref)
			continue
		}
		failures = append(failures, fmt.Errorf("%s: %w", what, err))
	}
	if unreachable := unreachableBridges(s.mp, s.media); s.applied > 0 && len(unreachable) > 0 {
		// Valid, and compliant, but calls would carry no media: private candidates are off
		// (EU-3) and without STUN the videobridge cannot learn its public address.
		r.Recorder.Eventf(s.mp, nil, corev1.EventTypeWarning, v1alpha1.EventNoMediaAddress, "Reconcile", "%s",
			noMediaAddressMessage(s.mp, unreachable))
	}
	key := client.ObjectKeyFromObject(s.mp)
	if len(refusals) == 0 {
		r.refusedPasses.Delete(key)
		if len(failures) == 0 {
			// Only once everything the platform renders is in place.
			failures = append(failures, r.pruneChildren(ctx, s))
		}
		// A transient failure returns as an error: controller-runtime retries with backoff.
		return ctrl.Result{}, errors.Join(failures...)
	}
	// A refusal needs a person (a spec to change, a policy or quota to adjust): Stalled says so,
	// and the write is retried with backoff until it goes through, which clears the stall.
	parts := make([]string, 0, len(refusals)+len(failures))
	for _, ref := range refusals {
		parts = append(parts, ref.what+": "+ref.message)
	}
	for _, f := range failures {
		parts = append(parts, f.Error())
	}
	verb := "the API server refused"
	switch refusals[0].reason {
	case v1alpha1.ReasonAdmissionMutated:
		verb = "a revert does not take:"
	case v1alpha1.ReasonNameConflict:
		verb = "a child's name is taken:"
	case v1alpha1.ReasonRevertLoop:
		verb = "a revert loops:"
	}
	return ctrl.Result{RequeueAfter: backoff(&r.refusedPasses, key)}, stall(refusals[0].reason,
		"%s %s", verb, strings.Join(parts, "; "))
}

// isolationFirst orders the desired objects for applying: NetworkPolicies, then Secrets, then
// the rest in the renderer's order.
func isolationFirst(objs []client.Object) []client.Object {
	rank := func(o client.Object) int {
		switch o.(type) {
		case *networkingv1.NetworkPolicy:
			return 0
		case *corev1.Secret:
			return 1
		}
		return 2
	}
	out := slices.Clone(objs)
	slices.SortStableFunc(out, func(a, b client.Object) int { return rank(a) - rank(b) })
	return out
}

// refusal is a write the API server refused for a reason no retry can change by itself.
type refusal struct{ reason, what, message string }

// refused classifies a failed write: the spec or the cluster refuses the object
// (ChildRejected), an admission webhook, policy or RBAC refuses the request (AdmissionDenied),
// or a ResourceQuota is exhausted (QuotaExceeded). Any other error is transient.
func refused(err error, mp *v1alpha1.MeetingPlatform) (refusal, bool) {
	var conflict *apply.ConflictError
	if errors.As(err, &conflict) {
		return refusal{reason: v1alpha1.ReasonNameConflict, message: strings.TrimPrefix(conflict.Error(), conflict.Object+" ") +
			"; rename the platform, or delete or rename the object"}, true
	}
	msg := apiMessage(err)
	denied := strings.Contains(msg, "admission webhook") || strings.Contains(msg, "ValidatingAdmissionPolicy") ||
		strings.Contains(msg, "denied the request")
	switch {
	case strings.Contains(msg, "quota") && (apierrors.IsForbidden(err) || apierrors.IsInvalid(err)):
		return refusal{reason: v1alpha1.ReasonQuotaExceeded, message: msg}, true
	case denied || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err):
		return refusal{reason: v1alpha1.ReasonAdmissionDenied, message: msg}, true
	case apierrors.IsInvalid(err):
		if strings.Contains(msg, "provided port is already allocated") {
			// Only the media Service names its node port.
			msg += takenPortHint(mp)
		}
		return refusal{reason: v1alpha1.ReasonChildRejected, message: msg}, true
	}
	return refusal{}, false
}

// takenPortHint says which node ports the platform's bridges need when one of them is taken.
func takenPortHint(mp *v1alpha1.MeetingPlatform) string {
	bridges := settings.Bridges(mp)
	if len(bridges) == 1 {
		return fmt.Sprintf(" (another Service in the cluster uses node port %d: choose a free spec.media.port)", mp.Spec.Media.Port)
	}
	return fmt.Sprintf(" (another Service in the cluster uses one of the node ports %d-%d, one per videobridge: choose a free spec.media.port)",
		bridges[0].Port, bridges[len(bridges)-1].Port)
}

// backoff is how long a platform waits before it tries again what failed in the passes before
// (a refused write, a blocked eviction): unwatchedRecheck, doubling with every such pass in a
// row as counted in passes, at most maxBackoff. The caller deletes the count once it succeeds.
func backoff(passes *sync.Map, key client.ObjectKey) time.Duration {
	n := 0
	if v, ok := passes.Load(key); ok {
		n = v.(int)
	}
	passes.Store(key, n+1)
	return min(unwatchedRecheck<<min(n, 4), maxBackoff)
}

// maxBackoff bounds the wait between two attempts of backoff.
const maxBackoff = 2 * time.Minute

// syncChild creates, updates or reverts one child prepared with apply.Prepare, and reports drift
// on the scope and as Events. Every child goes through it, the processing record included.
// Whether the child was applied before comes from the platform's inventory, and a child written
// (or found in place) joins it.
func (r *MeetingPlatformReconciler) syncChild(ctx context.Context, s *scope, obj client.Object) (apply.Result, error) {
	mode := apply.Enforce
	if s.mp.Spec.Compliance.Mode == v1alpha1.ComplianceModeAudit {
		mode = apply.Audit
	}
	// The Applier holds nothing but the two clients: made here, it needs no wiring, and a
	// reconciler built field by field (as tests do) has one too.
	applier := &apply.Applier{Client: r.Client, APIReader: r.APIReader}
	id := inventoryID(obj)
	loopKey := string(s.mp.UID) + "/revert/" + id
	if looping, _ := r.loops.looping(loopKey, s.now); looping && mode == apply.Enforce {
		// A fight: see loops.go. The drift stays reported until reverts resume.
		mode = apply.Audit
		if s.revertsPaused == nil {
			s.revertsPaused = map[string]bool{}
		}
		s.revertsPaused[id] = true
	}
	res, err := applier.Sync(ctx, obj, apply.Options{Mode: mode, AppliedBefore: s.inventory.Has(id)})
	if err == nil {
		s.inventory.Insert(id)
	}
	if drift, ok := s.revertedByRollout[id]; ok && res.Outcome == apply.Changed {
		// The write that reverted the drift also carried a new desired state (paceRollout).
		res = apply.Result{Outcome: apply.Reverted, Drift: drift}
	}
	switch res.Outcome {
	case apply.Reverted:
		r.loops.note(loopKey, s.now)
		// Also when err is set: the revert is done even when the bookkeeping after it has to
		// be retried (see apply.Applier.Sync).
		s.reverted = append(s.reverted, res.Drift)
		countRevert(s.mp, apply.KindOf(obj))
		r.Recorder.Eventf(s.mp, obj, corev1.EventTypeWarning, v1alpha1.EventDriftReverted, "Revert", "reverted %s", res.Drift)
	case apply.DriftLeft:
		s.drifted = append(s.drifted, res.Drift)
	case apply.Overridden:
		r.Recorder.Eventf(s.mp, obj, corev1.EventTypeWarning, v1alpha1.EventDriftNotReverted, "Revert", "could not revert %s", res.Drift)
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

// inventoryID names a child in status.inventory: "<Kind>/<name>".
func inventoryID(obj client.Object) string {
	return apply.KindOf(obj) + "/" + obj.GetName()
}
