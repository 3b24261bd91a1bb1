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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// credentialBytes is the entropy of each generated password: 32 random bytes, 43 characters
// base64url, above the 32 characters control ACC-3 demands.
const credentialBytes = 32

// reconcileCredentials loads the platform's generated component passwords and generates only the
// ones that do not exist yet. A password is never regenerated once written: components keep
// working across operator restarts and upgrades.
func (r *MeetingPlatformReconciler) reconcileCredentials(ctx context.Context, s *scope) (ctrl.Result, error) {
	// The cache holds the Secret while it carries the platform's labels. When it does not,
	// read past the cache: if someone stripped the labels, the cache would not see it, and
	// generating anew would overwrite passwords the running components use.
	key := client.ObjectKey{Namespace: s.mp.Namespace, Name: settings.CredentialsSecretName(s.mp)}
	existing := &corev1.Secret{}
	if err := r.Get(ctx, key, existing); apierrors.IsNotFound(err) {
		if existing, err = r.readSecret(ctx, key.Namespace, key.Name); err != nil {
			return ctrl.Result{}, err
		}
	} else if err != nil {
		return ctrl.Result{}, err
	}
	values := map[string][]byte{}
	for _, key := range settings.CredentialKeys {
		if existing != nil && len(existing.Data[key]) > 0 {
			values[key] = existing.Data[key]
			continue
		}
		generated, err := randomPassword()
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("generating credential %s: %w", key, err)
		}
		values[key] = generated
	}
	s.credentials = values
	return ctrl.Result{}, nil
}

func randomPassword() ([]byte, error) {
	b := make([]byte, credentialBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(base64.RawURLEncoding.EncodeToString(b)), nil
}
