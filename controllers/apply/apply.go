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

// Package apply owns how the operator writes its children and how it tells its own changes
// from other people's.
//
// Every child is written with server-side apply under one stable field owner, FieldOwner, so the
// API server's managedFields say exactly which fields are the operator's and which were set by
// someone else (kubectl, another controller). Two exceptions, each explained where it is made:
// a Service that names a fixed node port is created with a POST, because a create-on-apply can
// leak the port; and an object on which another manager owns fields is replaced with a PUT,
// because an apply never removes fields it does not own. After either, the fields are moved
// back into the apply entry (csaupgrade), so that later applies can remove them again.
//
// Each child carries the hash of its desired state (the desired-hash annotation). That is how
// a change of the desired state (applied in every mode) is told apart from drift, someone else's
// change of a live object (reverted in Enforce mode, only reported in Audit mode).
//
// The package knows nothing about MeetingPlatforms, conditions or Events: Sync says what it did
// in a Result, and the reconciler reports it.
package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// FieldOwner is the field manager of every server-side apply the operator makes.
const FieldOwner = "meetwarden"

// desiredHashAnnotation records, on every child, a hash of the object the operator last applied.
// A changed hash means the desired state changed (new spec, new operator version): that is
// applied in both modes. An equal hash on a live object that differs means someone else
// changed it: drift, reverted in Enforce mode and only reported in Audit mode.
const desiredHashAnnotation = "meetwarden.io/desired-hash"

// Mode says what Sync does with drift.
type Mode int

const (
	// Enforce reverts drift. It is the zero Mode, as Enforce is the API's default.
	Enforce Mode = iota
	// Audit reports drift and leaves it in place. A changed desired state is still applied.
	Audit
)

// Options are what Sync needs to know about the child beyond the object itself.
type Options struct {
	Mode Mode
	// AppliedBefore says the child was written before (how the caller knows is its own
	// business), so a missing child was deleted by someone: drift, not a child still to create.
	AppliedBefore bool
}

// Outcome is what Sync did with one child.
type Outcome int

const (
	// Unchanged: the live object already matches the desired state; nothing was written (but
	// possibly the ownership bookkeeping an earlier pass could not finish).
	Unchanged Outcome = iota
	// Created: the child did not exist and was created.
	Created
	// Changed: the desired state changed and was written.
	Changed
	// Reverted: someone else changed or deleted the child and the change was undone.
	Reverted
	// DriftLeft: someone else changed or deleted the child and the change was left in place
	// (Audit mode).
	DriftLeft
	// Overridden: the revert was written, but the object the API server stored still differs
	// from the desired state: something in the request path (a mutating admission webhook or
	// policy) writes the drift back. Nothing was reverted.
	Overridden
)

// String names the outcome, for messages and test failures.
func (o Outcome) String() string {
	switch o {
	case Unchanged:
		return "Unchanged"
	case Created:
		return "Created"
	case Changed:
		return "Changed"
	case Reverted:
		return "Reverted"
	case DriftLeft:
		return "DriftLeft"
	case Overridden:
		return "Overridden"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is the outcome of one Sync.
type Result struct {
	Outcome Outcome
	// Drift says, for Reverted, DriftLeft and Overridden, which object drifted and how, in one line for
	// Events and status: "Deployment meet-web: changed by another manager: kubectl-set: ...".
	Drift string
}

// Applier writes children: server-side apply, with the exceptions the package doc names.
type Applier struct {
	// Client reads from the cache and writes.
	Client client.Client
	// APIReader reads past the cache, where a stale read would make a write fail.
	APIReader client.Reader
}

// Prepare makes a rendered object ready for Sync: it sets owner as its controller (garbage
// collection, and the watch that maps the child back to its owner) and stamps the hash of its
// desired content. Sync leaves this to the caller, which keeps the object exactly as written
// (the processing record is evaluated right after it is published).
func Prepare(owner metav1.Object, obj client.Object, scheme *runtime.Scheme) error {
	if err := controllerutil.SetControllerReference(owner, obj, scheme); err != nil {
		return err
	}
	return setDesiredHash(obj)
}

// Sync makes the live counterpart of desired (prepared with Prepare) match it: it creates a
// missing child, applies a changed desired state, and reverts or reports drift by opts.Mode.
// Nothing is written when nothing changed.
//
// An error comes with the zero Result, with one exception: a revert by replace is followed by
// ownership bookkeeping (ownByApply), and when only that fails, Sync returns Reverted together
// with the error. The revert did happen and must be reported even though the pass is retried;
// the next pass finishes the bookkeeping (see ownedByUpdate). Returning both keeps the Applier
// free of Events, which a callback would have needed only for this one case.
func (a *Applier) Sync(ctx context.Context, desired client.Object, opts Options) (Result, error) {
	enforce := opts.Mode != Audit
	name := KindOf(desired) + " " + desired.GetName()

	live, err := a.getLike(ctx, desired)
	if apierrors.IsNotFound(err) {
		if opts.AppliedBefore && !enforce {
			return Result{Outcome: DriftLeft, Drift: name + " was deleted"}, nil
		}
		if err := a.create(ctx, desired); err != nil {
			return Result{}, err
		}
		if opts.AppliedBefore {
			return Result{Outcome: Reverted, Drift: name + " was deleted; recreated"}, nil
		}
		return Result{Outcome: Created}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if conflict := nameConflict(desired, live, opts.AppliedBefore); conflict != nil {
		return Result{}, conflict
	}

	foreign := foreignChanges(live)
	desiredChanged := live.GetAnnotations()[desiredHashAnnotation] != desired.GetAnnotations()[desiredHashAnnotation]
	differs, added, err := difference(desired, live)
	if err != nil {
		return Result{}, err
	}
	if !desiredChanged && differs == "" && len(foreign) == 0 {
		if ownedByUpdate(live) {
			// An earlier pass replaced the object but could not finish ownByApply. The cached
			// copy lacks the operator's apply entry (TrimManagedFields), which the conversion
			// must see: read the whole object.
			whole := live.DeepCopyObject().(client.Object)
			if err := a.APIReader.Get(ctx, client.ObjectKeyFromObject(live), whole); err != nil {
				return Result{}, err
			}
			return Result{}, a.ownByApply(ctx, whole)
		}
		return Result{}, nil // converged: no write
	}

	what := name + ": " + describeDrift(foreign, differs)
	if !desiredChanged && !enforce {
		return Result{Outcome: DriftLeft, Drift: what}, nil
	}
	var replaced, stored client.Object
	if len(foreign) > 0 || added {
		// Server-side apply never removes fields another manager owns (an env var added with
		// `kubectl set env`, an extra volume or container), nor fields written by an update
		// under the operator's own name: replace the whole object instead.
		replaced, err = a.replace(ctx, desired, live)
		stored = replaced
	} else {
		stored, err = a.applied(ctx, desired)
	}
	if err != nil {
		return Result{}, err
	}
	res := Result{Outcome: Changed}
	if !desiredChanged {
		res = Result{Outcome: Reverted, Drift: what}
		// Only what the API server stored counts: a mutating webhook or admission policy may
		// have written the drift back in the same request.
		if still, _, err := difference(desired, stored); err != nil {
			return Result{}, err
		} else if still != "" {
			res = Result{Outcome: Overridden, Drift: fmt.Sprintf("%s: %s is set back by the API server on every write (a mutating admission webhook or policy)", name, still)}
		}
	}
	if replaced != nil {
		if err := a.ownByApply(ctx, replaced); err != nil {
			if res.Outcome == Reverted {
				return res, err // see the doc comment: the revert is reported all the same
			}
			return Result{}, err
		}
	}
	return res, nil
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

// KindOf names the kind of an object for messages, also when a typed object carries no
// TypeMeta.
func KindOf(obj client.Object) string {
	if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" {
		return k
	}
	return fmt.Sprintf("%T", obj)
}

// ConflictError says that an object with a child's name exists and is not the owner's: Sync
// never adopts it (it would be rewritten, and garbage-collected with the owner).
type ConflictError struct {
	// Object is "<Kind> <name>"; Controller names its controller, or is "" when it has none.
	Object, Controller string
}

func (e *ConflictError) Error() string {
	if e.Controller == "" {
		return e.Object + " exists and has no owner: it was not made by this platform, which does not take it over"
	}
	return e.Object + " exists and is controlled by " + e.Controller + ", not by this platform"
}

// nameConflict returns a ConflictError when live is not controlled by desired's controller
// (set by Prepare). A child applied before whose owner reference someone removed is drift, and
// the revert restores it; one that another controller claims is a conflict either way.
func nameConflict(desired, live client.Object, appliedBefore bool) *ConflictError {
	want, got := metav1.GetControllerOf(desired), metav1.GetControllerOf(live)
	switch {
	case want == nil || (got != nil && got.UID == want.UID):
		return nil
	case got == nil && appliedBefore:
		return nil
	case got == nil:
		return &ConflictError{Object: KindOf(desired) + " " + desired.GetName()}
	}
	return &ConflictError{Object: KindOf(desired) + " " + desired.GetName(), Controller: got.Kind + " " + got.Name}
}
