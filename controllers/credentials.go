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
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// credentialBytes is the entropy of each generated password: 32 random bytes, 43 characters
// base64url, above the 32 characters control ACC-3 demands.
const credentialBytes = 32

// reconcileCredentials loads the platform's generated component passwords, and generates them
// when the platform has none yet. A password is never regenerated once written: components keep
// working across operator restarts and upgrades. The Secret is created once, with a POST: of two
// first passes (a leader hand-over), only one can write passwords, and the other reads them.
func (r *MeetingPlatformReconciler) reconcileCredentials(ctx context.Context, s *scope) (ctrl.Result, error) {
	key := client.ObjectKey{Namespace: s.mp.Namespace, Name: settings.CredentialsSecretName(s.mp)}
	existing := &corev1.Secret{}
	err := r.Get(ctx, key, existing)
	if err == nil {
		return r.takeCredentials(s, existing)
	}
	if !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	// Not in the cache: new, deleted, or its labels were stripped (the cache holds only
	// labelled objects). Creating it tells which: a POST never overwrites passwords the running
	// components use.
	values := credentialValues(nil)
	secret := render.CredentialsSecret(s.mp, values)
	id := inventoryID(secret)
	deleted := s.inventory.Has(id)
	if deleted && s.mp.Spec.Compliance.Mode == v1alpha1.ComplianceModeAudit {
		// Audit mode reports the deletion (reconcileChildren) and writes nothing.
		s.credentials = values
		return ctrl.Result{}, nil
	}
	if err := apply.Prepare(s.mp, secret, r.Scheme()); err != nil {
		return ctrl.Result{}, err
	}
	applier := &apply.Applier{Client: r.Client, APIReader: r.APIReader}
	created, err := applier.CreateOnce(ctx, secret)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("creating Secret %s: %w", secret.Name, err)
	}
	if created == nil {
		// It exists: another writer was first, or the cache does not see it. Its passwords
		// are the ones the components use.
		found, err := r.readSecret(ctx, key.Namespace, key.Name)
		if err != nil || found == nil {
			return ctrl.Result{}, errors.Join(err, fmt.Errorf("the credentials Secret %s exists but cannot be read", secret.Name))
		}
		return r.takeCredentials(s, found)
	}
	s.credentials = values
	// Its data never changes, its metadata may: only a new Secret (a new UID, new passwords)
	// must roll the components.
	s.inputs.version(secret.Name, string(created.GetUID()))
	s.createdEarlier = id
	s.inventory.Insert(id)
	if deleted {
		what := "Secret " + secret.Name + " was deleted; recreated with new passwords, with which prosody, jicofo and the videobridge restart"
		s.reverted = append(s.reverted, what)
		countRevert(s.mp, apply.KindOf(secret))
		r.Recorder.Eventf(s.mp, created, corev1.EventTypeWarning, v1alpha1.EventDriftReverted, "Revert", "reverted %s", what)
		return ctrl.Result{}, nil
	}
	s.applied++
	return ctrl.Result{}, nil
}

// takeCredentials uses the credentials Secret, or stalls when the platform does not control
// it, looking again with backoff: the Secret's owner is not the platform, so no watch event
// reaches it when the Secret goes away.
func (r *MeetingPlatformReconciler) takeCredentials(s *scope, secret *corev1.Secret) (ctrl.Result, error) {
	if err := s.useCredentials(secret); err != nil {
		return ctrl.Result{RequeueAfter: backoff(&r.refusedPasses, client.ObjectKeyFromObject(s.mp))}, err
	}
	return ctrl.Result{}, nil
}

// useCredentials takes the passwords of the platform's credentials Secret. A Secret of that
// name the platform does not control is never used: whoever made it would know the passwords
// of every component.
func (s *scope) useCredentials(secret *corev1.Secret) error {
	// A Secret the platform wrote before whose owner reference someone removed is still its
	// own: drift, which reconcileChildren reverts (as apply.Sync judges any child).
	ref := metav1.GetControllerOf(secret)
	strippedOwn := ref == nil && s.inventory.Has(inventoryID(render.CredentialsSecret(s.mp, nil)))
	if !strippedOwn && (ref == nil || ref.UID != s.mp.UID) {
		owner := "has no owner"
		if ref != nil {
			owner = "is controlled by " + ref.Kind + " " + ref.Name
		}
		s.credentials = credentialValues(nil) // rendered, never written: nothing is applied while stalled
		return stall(v1alpha1.ReasonNameConflict,
			"Secret %s exists and %s, not this platform; its passwords are not used: delete or rename it, or rename the platform", secret.Name, owner)
	}
	s.credentials = credentialValues(secret)
	s.inputs.version(secret.Name, string(secret.UID))
	return nil
}

// credentialValues are the passwords of the credentials Secret: its values, and a new random
// one for a key that is missing or empty (nil: every key is new).
func credentialValues(existing *corev1.Secret) map[string][]byte {
	values := map[string][]byte{}
	for _, k := range settings.CredentialKeys {
		if existing != nil && len(existing.Data[k]) > 0 {
			values[k] = existing.Data[k]
			continue
		}
		values[k] = randomPassword()
	}
	return values
}

// randomPassword is credentialBytes from the system's random source, base64url-encoded.
// crypto/rand.Read never fails (Go 1.24 and later crash the program rather than return an
// error).
func randomPassword() []byte {
	b := make([]byte, credentialBytes)
	_, _ = rand.Read(b)
	return []byte(base64.RawURLEncoding.EncodeToString(b))
}
