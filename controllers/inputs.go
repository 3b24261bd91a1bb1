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
	"unicode"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// unwatchedRecheck is how often a stalled platform looks again when the cause is something the
// operator does not watch: cert-manager's CRDs being installed, or another Service giving up the
// node port the platform wants. A missing user Secret or claim needs no polling:
// userInputWatches wake the platform when it appears. Either wait shows as Stalled with its
// cause, never silently.
const unwatchedRecheck = 10 * time.Second

// inputs are the user's objects a platform references.
type inputs struct {
	// tls is the TLS Secret (spec.tls.secretName, or the Secret cert-manager fills).
	tls *corev1.Secret
	// jwt is the Secret of spec.access.jwt.secretRef, whose signing secret ACC-3 judges.
	jwt *corev1.Secret
	// versions identify, by Secret name, the version of every Secret the components read
	// (the user's and the credentials Secret): what secretsDigest stamps onto the pods.
	versions map[string]string
}

// version records the version of a Secret the components read.
func (in *inputs) version(secret, version string) {
	if in.versions == nil {
		in.versions = map[string]string{}
	}
	in.versions[secret] = version
}

// reconcileInputs reads the Secrets the spec references. A missing one stalls the platform: it
// cannot work until the user creates it.
func (r *MeetingPlatformReconciler) reconcileInputs(ctx context.Context, s *scope) (ctrl.Result, error) {
	mp := s.mp
	var missing []string
	var invalid *stallError

	if res, err := r.requireOptionalKinds(ctx, mp); err != nil {
		return res, err
	}

	if !settings.UsesGateway(mp) {
		// With a Gateway, its listener holds the certificate (readLiveState reads it).
		tls, err := r.readInput(ctx, mp.Namespace, settings.TLSSecretName(mp))
		if err != nil {
			return ctrl.Result{}, err
		}
		switch {
		case tls == nil && mp.Spec.TLS.IssuerRef == nil:
			missing = append(missing, fmt.Sprintf("TLS Secret %q (spec.tls.secretName)", settings.TLSSecretName(mp)))
		case tls != nil && tls.Type != corev1.SecretTypeTLS:
			invalid = stall(v1alpha1.ReasonInvalidSecret, "TLS Secret %q has type %q, want %q", tls.Name, tls.Type, corev1.SecretTypeTLS)
		}
		s.inputs.tls = tls
	}
	if name, field, ok := turnTLSInput(mp); ok {
		tls, err := r.readInput(ctx, mp.Namespace, name)
		if err != nil {
			return ctrl.Result{}, err
		}
		switch {
		case tls == nil:
			missing = append(missing, fmt.Sprintf("TLS Secret %q (%s)", name, field))
		case tls.Type != corev1.SecretTypeTLS && invalid == nil:
			invalid = stall(v1alpha1.ReasonInvalidSecret, "TLS Secret %q has type %q, want %q", tls.Name, tls.Type, corev1.SecretTypeTLS)
		}
	}
	if err := r.versionTURNCertificate(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	// Here, where the Secret was read, not at the status write: a pass that fails before the
	// read must not remove the series, which would restart the alert's `for:` timer. A platform
	// on a Gateway has no TLS Secret of its own: no series (its listeners' certificates are
	// judged by TLS-2).
	setCertificateMetric(mp, evaluate.CertificateExpiry(s.inputs.tls))

	for _, ref := range referencedKeys(mp) {
		secret, err := r.readInput(ctx, mp.Namespace, ref.secret)
		if err != nil {
			return ctrl.Result{}, err
		}
		if secret != nil {
			s.inputs.version(secret.Name, string(secret.UID)+"/"+secret.ResourceVersion)
		}
		if ref.field == jwtSecretRefField {
			s.inputs.jwt = secret
		}
		switch {
		case secret == nil:
			missing = append(missing, fmt.Sprintf("Secret %q (%s)", ref.secret, ref.field))
		case len(secret.Data[ref.key]) == 0:
			missing = append(missing, fmt.Sprintf("key %q in Secret %q (%s)", ref.key, ref.secret, ref.field))
		case invalid == nil && !fitsItsPlace(ref, secret.Data[ref.key]):
			invalid = stall(v1alpha1.ReasonInvalidSecret, "key %q of Secret %q (%s) holds %s, which would break out of the line of prosody's configuration it is written into",
				ref.key, ref.secret, ref.field, unfit(ref))
		}
	}

	// A stalled platform is woken by userInputWatches when one of its inputs is created or changed.
	switch {
	case len(missing) > 0:
		return ctrl.Result{}, stall(v1alpha1.ReasonSecretMissing, "waiting for %s", joinHuman(missing))
	case invalid != nil:
		return ctrl.Result{}, invalid
	}
	if claim := settings.AccountsClaimName(mp); claim != "" {
		err := r.claimExists(ctx, client.ObjectKey{Namespace: mp.Namespace, Name: claim})
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, stall(v1alpha1.ReasonVolumeClaimMissing,
				"waiting for PersistentVolumeClaim %q (spec.access.internal.accountsClaimName), which keeps prosody's accounts", claim)
		}
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("reading PersistentVolumeClaim %s/%s: %w", mp.Namespace, claim, err)
		}
	}
	return ctrl.Result{}, nil
}

// requireOptionalKinds stalls a platform whose spec needs a kind the cluster does not serve:
// cert-manager's Certificate for spec.tls.issuerRef, the Gateway API's HTTPRoute for
// spec.gateway. Looked up again on the next pass: installing either needs no restart.
func (r *MeetingPlatformReconciler) requireOptionalKinds(ctx context.Context, mp *v1alpha1.MeetingPlatform) (ctrl.Result, error) {
	if mp.Spec.TLS.IssuerRef != nil {
		served, err := r.optional.Served(ctx, certificateGVK)
		if err != nil {
			return ctrl.Result{}, err
		}
		if !served {
			return ctrl.Result{RequeueAfter: unwatchedRecheck}, stall(v1alpha1.ReasonCertManagerMissing,
				"spec.tls.issuerRef names %s %q but cert-manager's Certificate kind is not installed in the cluster",
				mp.Spec.TLS.IssuerRef.Kind, mp.Spec.TLS.IssuerRef.Name)
		}
	}
	if settings.UsesGateway(mp) {
		served, err := r.gatewayAPIServed(ctx)
		if err != nil {
			return ctrl.Result{}, err
		}
		if !served {
			return ctrl.Result{RequeueAfter: unwatchedRecheck}, stall(v1alpha1.ReasonGatewayAPIMissing,
				"spec.gateway names Gateway %s but the cluster does not serve the Gateway API (%s: HTTPRoute, Gateway, ReferenceGrant, standard channel)",
				settings.GatewayRefs(mp)[0].Key(), gatewayv1.GroupVersion)
		}
	}
	return ctrl.Result{}, nil
}

// referencedInputs names every user object the platform reads, as "<Kind>/<name>": the
// Secrets of spec.tls, spec.access and spec.turn, and the accounts claim.
func referencedInputs(mp *v1alpha1.MeetingPlatform) []string {
	var keys []string
	if !settings.UsesGateway(mp) { // a Gateway's certificate is found by platformsServedWith
		keys = append(keys, "Secret/"+settings.TLSSecretName(mp))
	}
	if name, _, ok := turnTLSInput(mp); ok {
		keys = append(keys, "Secret/"+name)
	}
	for _, ref := range referencedKeys(mp) {
		if key := "Secret/" + ref.secret; !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	if claim := settings.AccountsClaimName(mp); claim != "" {
		keys = append(keys, "PersistentVolumeClaim/"+claim)
	}
	return keys
}

// secretKeyRef is one key of a user's Secret that the spec references.
type secretKeyRef struct{ field, secret, key string }

// jwtSecretRefField is the field of the JWT signing Secret, turnSecretRefField the one of a
// declared TURN server's shared secret.
const (
	jwtSecretRefField  = "spec.access.jwt.secretRef"
	turnSecretRefField = "spec.turn.external.secretRef"
)

// turnTLSInput names the user's certificate Secret the own TURN server mounts, when it is not
// the platform's own (read above) or one the operator requests from cert-manager.
func turnTLSInput(mp *v1alpha1.MeetingPlatform) (name, field string, ok bool) {
	t := settings.OwnTURN(mp)
	if t == nil || t.TLSSecretName == "" {
		return "", "", false
	}
	return t.TLSSecretName, "spec.turn.own.tlsSecretName", true
}

// versionTURNCertificate records the version of the certificate Secret coturn serves TURNS
// with, so that a renewed certificate rolls the relay: coturn reads its certificate at start
// and again only on SIGUSR2 (coturn 4.17.1 src/apps/relay/mainrelay.c L3927, L4497), which
// nothing sends it. A Secret cert-manager has not issued yet has no version; the pod waits for
// it.
func (r *MeetingPlatformReconciler) versionTURNCertificate(ctx context.Context, s *scope) error {
	if settings.OwnTURN(s.mp) == nil {
		return nil
	}
	secret, err := r.readInput(ctx, s.mp.Namespace, settings.TURNTLSSecretName(s.mp))
	if err != nil || secret == nil {
		return err
	}
	s.inputs.version(secret.Name, string(secret.UID)+"/"+secret.ResourceVersion)
	return nil
}

// referencedKeys lists the keys of user Secrets the components read through secretKeyRef; a
// missing key would leave the pods failing to start.
func referencedKeys(mp *v1alpha1.MeetingPlatform) []secretKeyRef {
	var refs []secretKeyRef
	if jwt := mp.Spec.Access.JWT; jwt != nil && mp.Spec.Access.Authentication == v1alpha1.AuthenticationJWT {
		refs = append(refs, secretKeyRef{jwtSecretRefField, jwt.SecretRef.Name, jwt.SecretRef.Key})
	}
	if ldap := mp.Spec.Access.LDAP; ldap != nil && mp.Spec.Access.Authentication == v1alpha1.AuthenticationLDAP {
		for _, key := range []string{settings.LDAPBindDNKey, settings.LDAPPasswordKey} {
			refs = append(refs, secretKeyRef{"spec.access.ldap.bindSecretRef", ldap.BindSecretRef.Name, key})
		}
	}
	if settings.UsesTokenBridge(mp) && mp.Spec.Access.OIDC.ClientSecretRef != nil {
		ref := mp.Spec.Access.OIDC.ClientSecretRef
		refs = append(refs, secretKeyRef{"spec.access.oidc.clientSecretRef", ref.Name, ref.Key})
	}
	if t := settings.ExternalTURN(mp); t != nil {
		refs = append(refs, secretKeyRef{turnSecretRefField, t.SecretRef.Name, t.SecretRef.Key})
	}
	return refs
}

// fitsItsPlace reports whether a Secret value can be written where prosody's configuration
// templates put it (docker-jitsi-meet stable-11146-2): the JWT secret inside a Lua string,
// `app_secret = "{{ .Env.JWT_APP_SECRET }}"` (prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua
// L132), and a declared TURN server's secret likewise, `external_service_secret =
// "{{.Env.TURN_CREDENTIALS}}"` (prosody/rootfs/defaults/prosody.cfg.lua L352-354), where a
// quote or a backslash ends or escapes the string; the LDAP bind DN and password
// on a line of saslauthd.conf, `ldap_bind_pw: {{ .Env.LDAP_BINDPW }}` (saslauthd.conf L9-10),
// where a line break adds a setting of its own (a second ldap_servers, say).
func fitsItsPlace(ref secretKeyRef, value []byte) bool {
	v := string(value)
	if strings.ContainsFunc(v, unicode.IsControl) {
		return false
	}
	return !inLuaString(ref) || !strings.ContainsAny(v, `"\`)
}

// inLuaString reports whether prosody writes the Secret key into a Lua string.
func inLuaString(ref secretKeyRef) bool {
	return ref.field == jwtSecretRefField || ref.field == turnSecretRefField
}

// unfit says what fitsItsPlace refuses, without showing the value.
func unfit(ref secretKeyRef) string {
	if inLuaString(ref) {
		return "a quote, a backslash or a control character"
	}
	return "a control character such as a line break"
}

// readSecret reads a Secret past the cache; nil when it does not exist.
func (r *MeetingPlatformReconciler) readSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	secret := &corev1.Secret{}
	err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, secret)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s/%s: %w", namespace, name, err)
	}
	return secret, nil
}

// readInput reads a user's Secret the platform references. The metadata-only watch of
// userInputWatches knows every Secret's current resourceVersion; a Secret read before at that
// version is served from memory, so a pass costs no request for an unchanged input. Anything
// else (a new or changed Secret, one the watch has not seen yet) is read past the cache, as
// readSecret does. Only Secrets a platform references are ever held.
func (r *MeetingPlatformReconciler) readInput(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	key := client.ObjectKey{Namespace: namespace, Name: name}
	if r.inputNames != nil {
		current := &metav1.PartialObjectMetadata{}
		current.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		if err := r.inputNames.Get(ctx, key, current); err == nil {
			if known, ok := r.inputSecrets.Load(key); ok && known.(*corev1.Secret).ResourceVersion == current.ResourceVersion {
				return known.(*corev1.Secret).DeepCopy(), nil
			}
		}
	}
	secret, err := r.readSecret(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	if secret == nil {
		r.inputSecrets.Delete(key)
		return nil, nil
	}
	r.inputSecrets.Store(key, secret.DeepCopy())
	return secret, nil
}

// joinHuman joins items as "a", "a and b", or "a, b and c".
func joinHuman(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := items[0]
	for _, it := range items[1 : len(items)-1] {
		out += ", " + it
	}
	return out + " and " + items[len(items)-1]
}

// claimExists returns nil when the PersistentVolumeClaim exists: seen by the metadata-only
// watch, or else read past the cache.
func (r *MeetingPlatformReconciler) claimExists(ctx context.Context, key client.ObjectKey) error {
	if r.inputNames != nil {
		current := &metav1.PartialObjectMetadata{}
		current.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"))
		if err := r.inputNames.Get(ctx, key, current); err == nil {
			return nil
		}
	}
	return r.APIReader.Get(ctx, key, &corev1.PersistentVolumeClaim{})
}
