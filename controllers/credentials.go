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
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
	existing, err := r.credentialsSecret(ctx, s)
	if err != nil || existing != nil {
		return ctrl.Result{}, err
	}
	values := map[string][]byte{}
	for _, key := range settings.CredentialKeys {
		generated, err := randomPassword()
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("generating credential %s: %w", key, err)
		}
		values[key] = generated
	}
	secret := render.CredentialsSecret(s.mp, values)
	if err := apply.Prepare(s.mp, secret, r.Scheme()); err != nil {
		return ctrl.Result{}, err
	}
	applier := &apply.Applier{Client: r.Client, APIReader: r.APIReader}
	created, err := applier.CreateOnce(ctx, secret)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("creating Secret %s: %w", secret.Name, err)
	}
	if !created {
		// Another writer was first: its passwords are the ones the components use.
		if existing, err = r.credentialsSecret(ctx, s); err != nil || existing == nil {
			return ctrl.Result{}, errors.Join(err, fmt.Errorf("Secret %s exists but cannot be read", secret.Name))
		}
		return ctrl.Result{}, nil
	}
	s.credentials = values
	s.createdEarlier = inventoryID(secret)
	s.inventory.Insert(s.createdEarlier)
	s.applied++
	return ctrl.Result{}, nil
}

// credentialsSecret reads the platform's credentials Secret into s.credentials and returns it,
// or nil when it does not exist. The cache holds the Secret while it carries the platform's
// labels; when it does not, the Secret is read past the cache: if someone stripped the labels,
// the cache would not see it, and generating anew would overwrite passwords the running
// components use. A key that is missing or empty is generated (and applied with the Secret).
func (r *MeetingPlatformReconciler) credentialsSecret(ctx context.Context, s *scope) (*corev1.Secret, error) {
	key := client.ObjectKey{Namespace: s.mp.Namespace, Name: settings.CredentialsSecretName(s.mp)}
	existing := &corev1.Secret{}
	if err := r.Get(ctx, key, existing); apierrors.IsNotFound(err) {
		if existing, err = r.readSecret(ctx, key.Namespace, key.Name); err != nil || existing == nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	values := map[string][]byte{}
	for _, k := range settings.CredentialKeys {
		if len(existing.Data[k]) > 0 {
			values[k] = existing.Data[k]
			continue
		}
		generated, err := randomPassword()
		if err != nil {
			return nil, fmt.Errorf("generating credential %s: %w", k, err)
		}
		values[k] = generated
	}
	s.credentials = values
	return existing, nil
}

func randomPassword() ([]byte, error) {
	b := make([]byte, credentialBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(base64.RawURLEncoding.EncodeToString(b)), nil
}
