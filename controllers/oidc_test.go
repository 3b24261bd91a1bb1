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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/tokenbridge"
)

const testBridgeImage = "registry.example.eu/meetwarden:1.2.3"

// TestAnOIDCPlatformRunsItsTokenBridge: an OIDC platform waits for its client Secret, then
// gets the token bridge (with the operator's image, the generated secrets and the client
// secret by secretKeyRef) and the web client's login address; once rolled out it is Compliant
// with ACC-6 passing. Switched to JWT, the bridge and its objects are removed.
func TestAnOIDCPlatformRunsItsTokenBridge(t *testing.T) {
	startManager(t, func(r *MeetingPlatformReconciler) { r.TokenBridgeImage = testBridgeImage })
	ensureEUNode(t)
	ns := newNamespace(t)
	createTLSSecret(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationOIDC, OIDC: &v1alpha1.OIDCSpec{
		IssuerURL: fixtures.OIDCIssuer, ClientID: "meet", ClientSecretRef: &v1alpha1.SecretKeyReference{Name: "meet-oidc"},
	}}
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled names the missing client Secret and its field", stalledWith(mp, "SecretMissing", `"meet-oidc" (spec.access.oidc.clientSecretRef)`))
	clientSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "meet-oidc", Namespace: ns}, StringData: map[string]string{"secret": "the-client-secret-of-the-test"}}
	if err := k8s.Create(context.Background(), clientSecret); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the platform deploys once the client Secret exists", deployed(getPlatform(t, mp)))

	bridge, err := liveDeployment(mp, settings.TokenBridge)
	if err != nil {
		t.Fatal(err)
	}
	assertBridge(t, mp, bridge)
	web, err := liveDeployment(mp, settings.Web)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := envOf(web, settings.TokenAuthURLVariable); v != "https://"+mp.Spec.Domain+tokenbridge.PathLogin+"?room={room}" {
		t.Errorf("web's %s = %q, want the bridge's login on the platform's domain", settings.TokenAuthURLVariable, v)
	}
	assertCredentialsHoldBridgeKeys(t, mp)

	markAvailable(t, ns)
	eventually(t, "Compliant with ACC-6 passing", func() error {
		if err := conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionTrue); err != nil {
			return err
		}
		for _, c := range getPlatform(t, mp).Status.Compliance.Controls {
			if c.ID == string(settings.ACC6) && c.Result != v1alpha1.ResultPass {
				return fmt.Errorf("ACC-6 is %s: %s", c.Result, c.Message)
			}
		}
		return nil
	})

	// Back to JWT: nothing of the bridge stays behind.
	createJWTSecret(t, ns)
	live := getPlatform(t, mp)
	patch := client.MergeFrom(live.DeepCopy())
	live.Spec.Access = fixtures.Sample(ns, mp.Name, mp.Spec.Domain, mp.Spec.Media.Port).Spec.Access
	if err := k8s.Patch(context.Background(), live, patch); err != nil {
		t.Fatal(err)
	}
	name := settings.Name(mp, string(settings.TokenBridge))
	for _, obj := range []client.Object{&appsv1.Deployment{}, &corev1.Service{}, &networkingv1.NetworkPolicy{}} {
		eventually(t, fmt.Sprintf("the bridge's %T is removed", obj), func() error {
			err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj)
			switch {
			case apierrors.IsNotFound(err):
				return nil
			case err != nil:
				return fmt.Errorf("reading %T %s: %w", obj, name, err)
			}
			return fmt.Errorf("%T %s still exists", obj, name)
		})
	}
}

// assertBridge checks the live bridge: the operator's image, the spec's settings, and every
// secret by secretKeyRef (the client secret from the user's Secret, the rest generated).
func assertBridge(t *testing.T, mp *v1alpha1.MeetingPlatform, d *appsv1.Deployment) {
	t.Helper()
	c := d.Spec.Template.Spec.Containers[0]
	if c.Image != testBridgeImage {
		t.Errorf("the bridge runs %q, want the operator's image %q", c.Image, testBridgeImage)
	}
	if v, _ := envOf(d, tokenbridge.EnvIssuerURL); v != fixtures.OIDCIssuer {
		t.Errorf("%s = %q, want %q", tokenbridge.EnvIssuerURL, v, fixtures.OIDCIssuer)
	}
	if v, _ := envOf(d, tokenbridge.EnvTokenLifetime); v != "5m0s" {
		t.Errorf("%s = %q, want the default 5m0s", tokenbridge.EnvTokenLifetime, v)
	}
	if _, set := envOf(d, tokenbridge.EnvGroupsClaim); set {
		t.Errorf("the bridge reads a groups claim though the spec configures no groups")
	}
	want := map[string]string{
		tokenbridge.EnvClientSecret: "meet-oidc/secret",
		tokenbridge.EnvAppSecret:    settings.CredentialsSecretName(mp) + "/" + settings.TokenBridgeSigningKey,
		tokenbridge.EnvCookieKey:    settings.CredentialsSecretName(mp) + "/" + settings.TokenBridgeCookieKey,
	}
	for _, e := range c.Env {
		if ref, ok := want[e.Name]; ok {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name+"/"+e.ValueFrom.SecretKeyRef.Key != ref {
				t.Errorf("%s is not taken from %s by secretKeyRef: %+v", e.Name, ref, e)
			}
			delete(want, e.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("the bridge lacks %v", want)
	}
}

// assertCredentialsHoldBridgeKeys: the signing secret prosody and the bridge share, and the
// cookie key, are generated into the platform's credentials Secret.
func assertCredentialsHoldBridgeKeys(t *testing.T, mp *v1alpha1.MeetingPlatform) {
	t.Helper()
	creds := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: settings.CredentialsSecretName(mp)}, creds); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{settings.TokenBridgeSigningKey, settings.TokenBridgeCookieKey} {
		if len(creds.Data[key]) < settings.CredentialMinLength {
			t.Errorf("the credentials Secret's %s holds %d bytes, want at least %d", key, len(creds.Data[key]), settings.CredentialMinLength)
		}
	}
}

// TestAnUpgradeAddsTheBridgeKeysToAnOlderCredentialsSecret: a credentials Secret an earlier
// operator version wrote has only the component passwords. The new version adds the bridge's
// keys, keeps the passwords the components use, restarts nothing, and ACC-3 passes.
func TestAnUpgradeAddsTheBridgeKeysToAnOlderCredentialsSecret(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	key := client.ObjectKey{Namespace: mp.Namespace, Name: settings.CredentialsSecretName(mp)}
	older := &corev1.Secret{}
	if err := k8s.Get(context.Background(), key, older); err != nil {
		t.Fatal(err)
	}
	prosodyBefore, err := liveDeployment(mp, settings.Prosody)
	if err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(older.DeepCopy())
	delete(older.Data, settings.TokenBridgeSigningKey)
	delete(older.Data, settings.TokenBridgeCookieKey)
	if err := k8s.Patch(context.Background(), older, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bridge's keys are added and ACC-3 passes", func() error {
		now := &corev1.Secret{}
		if err := k8s.Get(context.Background(), key, now); err != nil {
			return err
		}
		for _, k := range []string{settings.TokenBridgeSigningKey, settings.TokenBridgeCookieKey} {
			if len(now.Data[k]) < settings.CredentialMinLength {
				return fmt.Errorf("%s holds %d bytes", k, len(now.Data[k]))
			}
		}
		for _, k := range []string{"JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD"} {
			if string(now.Data[k]) != string(older.Data[k]) {
				return fmt.Errorf("the component password %s changed", k)
			}
		}
		for _, c := range getPlatform(t, mp).Status.Compliance.Controls {
			if c.ID == string(settings.ACC3) && c.Result != v1alpha1.ResultPass {
				return fmt.Errorf("ACC-3 is %s: %s", c.Result, c.Message)
			}
		}
		return nil
	})
	prosodyAfter, err := liveDeployment(mp, settings.Prosody)
	if err != nil {
		t.Fatal(err)
	}
	if prosodyAfter.Generation != prosodyBefore.Generation {
		t.Errorf("prosody's Deployment changed (generation %d -> %d): adding unused keys must restart nothing", prosodyBefore.Generation, prosodyAfter.Generation)
	}
}
