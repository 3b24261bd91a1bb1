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

package render

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// CredentialsSecret is the Secret of the generated internal credentials. The caller generates
// each value once (see settings.CredentialKeys for the requirements) and passes the stored
// values on every later reconcile, so the Secret never changes. Keys outside CredentialKeys are
// dropped: no other credential, and no JIBRI_* or JIGASI_* password, can enter through it.
func CredentialsSecret(mp *v1alpha1.MeetingPlatform, values map[string][]byte) *corev1.Secret {
	data := map[string][]byte{}
	for k, v := range values {
		if slices.Contains(settings.CredentialKeys, k) {
			data[k] = slices.Clone(v)
		}
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: meta(mp, settings.CredentialsSecretName(mp), ""),
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
}
