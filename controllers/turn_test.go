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
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// convergedTURNPlatform is the sample platform with its own TURN server on its domain,
// converged and available.
func convergedTURNPlatform(t *testing.T, mode v1alpha1.ComplianceMode) *v1alpha1.MeetingPlatform {
	t.Helper()
	ensureEUNode(t)
	ns := newNamespace(t)
	createSecrets(t, ns)
	mp := newPlatform(ns, mode)
	mp.Spec.TURN = &v1alpha1.TURNSpec{Own: &v1alpha1.OwnTURNSpec{}}
	mp = createPlatform(t, mp)
	markAvailable(t, ns)
	eventually(t, "the platform is compliant with its TURN server", func() error {
		if err := conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionFalse); err != nil {
			return err
		}
		return controlIs(mp, settings.ACC5, v1alpha1.ResultPass, "use-auth-secret", "203.0.113.10")
	})
	return mp
}

func turnConfigMap(mp *v1alpha1.MeetingPlatform) client.ObjectKey {
	return client.ObjectKey{Namespace: mp.Namespace, Name: settings.ConfigMapName(mp, settings.TURN)}
}

// editTURNConfig rewrites the live coturn configuration as another field manager would.
func editTURNConfig(t *testing.T, mp *v1alpha1.MeetingPlatform, edit func(string) string) {
	t.Helper()
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), turnConfigMap(mp), cm); err != nil {
		t.Fatal(err)
	}
	cm.Data[settings.TURNConfigKey] = edit(cm.Data[settings.TURNConfigKey])
	if err := k8s.Update(context.Background(), cm, client.FieldOwner(tamperer)); err != nil {
		t.Fatal(err)
	}
}

// turnConfigHas reports whether the live coturn configuration has the line.
func turnConfigHas(mp *v1alpha1.MeetingPlatform, line string) (bool, error) {
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), turnConfigMap(mp), cm); err != nil {
		return false, err
	}
	return slices.Contains(strings.Split(cm.Data[settings.TURNConfigKey], "\n"), line), nil
}

func TestTheOwnTURNServerIsDeployedWithTimeLimitedCredentials(t *testing.T) {
	startManager(t)
	mp := convergedTURNPlatform(t, v1alpha1.ComplianceModeEnforce)
	ctx := context.Background()

	want := []v1alpha1.TURNEndpointStatus{
		{Host: mp.Spec.Domain, Port: v1alpha1.DefaultTURNPort, Transport: v1alpha1.TURNTransportUDP},
		{Host: mp.Spec.Domain, Port: v1alpha1.DefaultTURNTLSPort, Transport: v1alpha1.TURNTransportTLS},
	}
	eventually(t, "status shows the TURN endpoints and the available turn component", func() error {
		live := getPlatform(t, mp)
		if live.Status.Media == nil || !slices.Equal(live.Status.Media.TURN, want) {
			return fmt.Errorf("status.media = %+v, want turn %+v", live.Status.Media, want)
		}
		if !slices.ContainsFunc(live.Status.Components, func(c v1alpha1.ComponentStatus) bool { return c.Name == string(settings.TURN) && c.ReadyReplicas == 1 }) {
			return fmt.Errorf("status.components lacks the available turn component: %+v", live.Status.Components)
		}
		return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue)
	})

	creds := &corev1.Secret{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: mp.Namespace, Name: settings.CredentialsSecretName(mp)}, creds); err != nil {
		t.Fatal(err)
	}
	secret := string(creds.Data[settings.TURNSecretKey])
	if len(secret) < settings.CredentialMinLength {
		t.Fatalf("the credentials Secret holds a TURN secret of %d characters", len(secret))
	}
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(ctx, turnConfigMap(mp), cm); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cm.Data[settings.TURNConfigKey], secret) {
		t.Error("the coturn ConfigMap holds the shared secret")
	}
	prosody, err := liveDeployment(mp, settings.Prosody)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range prosody.Spec.Template.Spec.Containers[0].Env {
		if e.Name == settings.TURNSecretKey && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != creds.Name) {
			t.Errorf("prosody's %s is not a secretKeyRef to %s: %+v", e.Name, creds.Name, e)
		}
		if slices.Contains(settings.TURNStaticCredentialVariables, e.Name) {
			t.Errorf("prosody announces a static TURN credential %s", e.Name)
		}
	}

	// A renewed certificate rolls the relay: coturn reads it only at start.
	digest := func() string {
		d, err := liveDeployment(mp, settings.TURN)
		if err != nil {
			return ""
		}
		return d.Spec.Template.Annotations[settings.SecretsDigestAnnotation]
	}
	before := digest()
	if before == "" {
		t.Fatal("the coturn pod template carries no digest of the Secrets it reads")
	}
	cert, key, err := fixtures.ValidCertificate(mp.Spec.Domain, time.Now().Add(time.Minute)).PEM()
	if err != nil {
		t.Fatal(err)
	}
	tls := &corev1.Secret{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: mp.Namespace, Name: settings.TLSSecretName(mp)}, tls); err != nil {
		t.Fatal(err)
	}
	tls.Data = map[string][]byte{corev1.TLSCertKey: cert, corev1.TLSPrivateKeyKey: key}
	if err := k8s.Update(ctx, tls); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the renewed certificate rolls the relay", func() error {
		if after := digest(); after == before {
			return fmt.Errorf("the digest is still %s", after)
		}
		return nil
	})

	// Switching the relay off removes its objects and its announcement.
	live := getPlatform(t, mp)
	live.Spec.TURN = nil
	if err := k8s.Update(ctx, live); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the relay is pruned and no longer announced", func() error {
		if _, err := liveDeployment(mp, settings.TURN); !apierrors.IsNotFound(err) {
			return fmt.Errorf("Deployment %s is still there (err %w)", settings.Name(mp, string(settings.TURN)), err)
		}
		if err := k8s.Get(ctx, turnConfigMap(mp), &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("the coturn ConfigMap is still there (err %w)", err)
		}
		if p := getPlatform(t, mp); p.Status.Media == nil || len(p.Status.Media.TURN) > 0 || len(p.Status.Media.Bridges) != 1 {
			return fmt.Errorf("status.media is %+v, want the bridge and no TURN endpoint", p.Status.Media)
		}
		d, err := liveDeployment(mp, settings.Prosody)
		if err != nil {
			return err
		}
		if _, announced := envOf(d, settings.TURNSHostVariable); announced {
			return fmt.Errorf("prosody still announces TURNS")
		}
		return nil
	})
}

func TestTamperingWithTheTURNRelayIsRevertedInEnforce(t *testing.T) {
	startManager(t)
	mp := convergedTURNPlatform(t, v1alpha1.ComplianceModeEnforce)

	t.Run("a line that opens loopback is removed from the coturn configuration", func(t *testing.T) {
		editTURNConfig(t, mp, func(c string) string { return c + "allow-loopback-peers\n" })
		eventually(t, "the line is reverted", func() error {
			if has, err := turnConfigHas(mp, "allow-loopback-peers"); err != nil || has {
				return fmt.Errorf("still there (err %w)", err)
			}
			return nil
		})
		eventually(t, "a DriftReverted event names the ConfigMap", func() error {
			return eventFor(mp, v1alpha1.EventDriftReverted, "ConfigMap "+settings.ConfigMapName(mp, settings.TURN))
		})
	})
	t.Run("a removed denied range comes back", func(t *testing.T) {
		const line = "denied-peer-ip=10.0.0.0-10.255.255.255"
		editTURNConfig(t, mp, func(c string) string { return strings.Replace(c, line+"\n", "", 1) })
		eventually(t, "the range is denied again", func() error {
			if has, err := turnConfigHas(mp, line); err != nil || !has {
				return fmt.Errorf("still missing (err %w)", err)
			}
			return nil
		})
	})
	t.Run("server-relay added to coturn's command line is removed", func(t *testing.T) {
		updateDeployment(t, mp, settings.TURN, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Args = append(d.Spec.Template.Spec.Containers[0].Args, "--server-relay")
		})
		eventually(t, "the argument is reverted", func() error {
			d, err := liveDeployment(mp, settings.TURN)
			if err != nil || slices.Contains(d.Spec.Template.Spec.Containers[0].Args, "--server-relay") {
				return fmt.Errorf("still there (err %w)", err)
			}
			return nil
		})
	})
	eventually(t, "ACC-5 passes after the reverts", func() error { return controlIs(mp, settings.ACC5, v1alpha1.ResultPass) })
}

func TestTamperingWithTheTURNRelayFailsACC5InAudit(t *testing.T) {
	startManager(t)
	mp := convergedTURNPlatform(t, v1alpha1.ComplianceModeAudit)

	editTURNConfig(t, mp, func(c string) string { return c + "allow-loopback-peers\n" })
	eventually(t, "ACC-5 fails naming the line, AccessRestricted turns False", func() error {
		if err := controlIs(mp, settings.ACC5, v1alpha1.ResultFail, "allow-loopback-peers", settings.ConfigMapName(mp, settings.TURN)); err != nil {
			return err
		}
		return conditionIs(mp, v1alpha1.ConditionAccessRestricted, metav1.ConditionFalse)
	})
	consistently(t, "Audit mode leaves the line in place", 3*time.Second, func() error {
		if has, err := turnConfigHas(mp, "allow-loopback-peers"); err != nil || !has {
			return fmt.Errorf("the line was reverted in Audit mode (err %w)", err)
		}
		return nil
	})

	// A foreign TURN server announced by prosody fails TEL-3.
	updateDeployment(t, mp, settings.Prosody, func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		for i := range c.Env {
			if c.Env[i].Name == settings.TURNSHostVariable {
				c.Env[i].Value += ",turn.elsewhere.com"
			}
		}
	})
	eventually(t, "TEL-3 fails naming the foreign host", func() error {
		return controlIs(mp, settings.TEL3, v1alpha1.ResultFail, "turn.elsewhere.com")
	})
}

func TestADeclaredTURNServerWaitsForItsSecretAndWarns(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	mp.Spec.TURN = &v1alpha1.TURNSpec{External: &v1alpha1.ExternalTURNSpec{
		Host: "turn.example.eu", Jurisdiction: v1alpha1.JurisdictionEU, SecretRef: v1alpha1.SecretKeyReference{Name: "meet-turn"},
	}}
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled until the TURN Secret exists", stalledWith(mp, v1alpha1.ReasonSecretMissing, "spec.turn.external.secretRef"))

	turn := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "meet-turn"},
		StringData: map[string]string{v1alpha1.DefaultJWTSecretKey: "a-shared-secret-of-the-organisations-turn-server"}}
	if err := k8s.Create(context.Background(), turn); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deployed once the Secret exists", deployed(mp))
	markAvailable(t, ns)
	eventually(t, "ACC-5 warns that the declared relay cannot be verified", func() error {
		return controlIs(mp, settings.ACC5, v1alpha1.ResultWarn, "turn.example.eu", "cannot be verified")
	})
	if _, err := liveDeployment(mp, settings.TURN); err == nil {
		t.Error("a platform with a declared TURN server runs a coturn Deployment of its own")
	}
}
