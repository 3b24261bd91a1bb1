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

package v1alpha1

// URL is the address where users reach the platform: https:// followed by spec.domain.
// The platform is served over HTTPS only, so there is no http:// form.
func (mp *MeetingPlatform) URL() string {
	return "https://" + mp.Spec.Domain
}

// TLSSecretName is the Secret that holds the certificate for spec.domain: spec.tls.secretName
// when the user supplies the Secret, or <name>-tls, the Secret the operator's cert-manager
// Certificate writes into, when spec.tls.issuerRef is set. It is empty when neither is set,
// which the API server refuses.
func (mp *MeetingPlatform) TLSSecretName() string {
	switch {
	case mp.Spec.TLS.SecretName != "":
		return mp.Spec.TLS.SecretName
	case mp.Spec.TLS.IssuerRef != nil:
		return mp.Name + "-tls"
	default:
		return ""
	}
}
