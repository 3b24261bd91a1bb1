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
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// tamperer is the field manager of the test's changes, as kubectl would be.
const tamperer = "kubectl-edit"

// tampering is one change someone makes to a converged platform, and how to see it.
type tampering struct {
	name string
	// do changes the live platform.
	do func(t *testing.T, mp *v1alpha1.MeetingPlatform)
	// present says whether the change is still live.
	present func(mp *v1alpha1.MeetingPlatform) (bool, error)
	// object names the tampered object, as DriftReverted Events mention it.
	object string
}

func updateDeployment(t *testing.T, mp *v1alpha1.MeetingPlatform, c settings.Component, change func(*appsv1.Deployment)) {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := k8s.Get(context.Background(), deploymentName(mp, c), d); err != nil {
		t.Fatal(err)
	}
	change(d)
	if err := k8s.Update(context.Background(), d, client.FieldOwner(tamperer)); err != nil {
		t.Fatal(err)
	}
}

func liveDeployment(mp *v1alpha1.MeetingPlatform, c settings.Component) (*appsv1.Deployment, error) {
	d := &appsv1.Deployment{}
	return d, k8s.Get(context.Background(), deploymentName(mp, c), d)
}

func envOf(d *appsv1.Deployment, name string) (string, bool) {
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

func deleted(obj client.Object) func(*v1alpha1.MeetingPlatform) (bool, error) {
	return func(*v1alpha1.MeetingPlatform) (bool, error) {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	}
}

func tamperings(mp *v1alpha1.MeetingPlatform) []tampering {
	webName := settings.Name(mp, string(settings.Web))
	defaultDeny := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: mp.Name + "-default-deny"}}
	webConfig := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: webName + "-config"}}
	budget := func(c settings.Component) *policyv1.PodDisruptionBudget {
		return &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: settings.PodDisruptionBudgetName(mp, c)}}
	}
	bridgeBudget, prosodyBudget := budget(settings.JVB), budget(settings.Prosody)
	return []tampering{
		{
			name:   "an analytics env var added to web with kubectl set env",
			object: "Deployment " + webName,
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				updateDeployment(t, mp, settings.Web, func(d *appsv1.Deployment) {
					c := &d.Spec.Template.Spec.Containers[0]
					c.Env = append(c.Env, corev1.EnvVar{Name: "AMPLITUDE_ID", Value: "tracking"})
				})
			},
			present: func(mp *v1alpha1.MeetingPlatform) (bool, error) {
				d, err := liveDeployment(mp, settings.Web)
				_, ok := envOf(d, "AMPLITUDE_ID")
				return ok, err
			},
		},
		{
			name:   "recording switched on in web",
			object: "Deployment " + webName,
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				updateDeployment(t, mp, settings.Web, func(d *appsv1.Deployment) {
					c := &d.Spec.Template.Spec.Containers[0]
					for i := range c.Env {
						if c.Env[i].Name == "ENABLE_RECORDING" {
							c.Env[i].Value = "true"
						}
					}
				})
			},
			present: func(mp *v1alpha1.MeetingPlatform) (bool, error) {
				d, err := liveDeployment(mp, settings.Web)
				v, _ := envOf(d, "ENABLE_RECORDING")
				return v == "true", err
			},
		},
		{
			name:   "an extra volume mounted into web",
			object: "Deployment " + webName,
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				updateDeployment(t, mp, settings.Web, func(d *appsv1.Deployment) {
					spec := &d.Spec.Template.Spec
					spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "plugins",
						VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
					spec.Containers[0].VolumeMounts = append(spec.Containers[0].VolumeMounts,
						corev1.VolumeMount{Name: "plugins", MountPath: "/plugins"})
				})
			},
			present: func(mp *v1alpha1.MeetingPlatform) (bool, error) {
				d, err := liveDeployment(mp, settings.Web)
				for _, v := range d.Spec.Template.Spec.Volumes {
					if v.Name == "plugins" {
						return true, err
					}
				}
				return false, err
			},
		},
		{
			name:   "a sidecar container added to jicofo",
			object: "Deployment " + settings.Name(mp, string(settings.Jicofo)),
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				updateDeployment(t, mp, settings.Jicofo, func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers,
						corev1.Container{Name: "recorder", Image: "example.com/recorder:1"})
				})
			},
			present: func(mp *v1alpha1.MeetingPlatform) (bool, error) {
				d, err := liveDeployment(mp, settings.Jicofo)
				return len(d.Spec.Template.Spec.Containers) > 1, err
			},
		},
		{
			name:   "the node affinity removed from jvb",
			object: "Deployment " + settings.Name(mp, string(settings.JVB)),
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				updateDeployment(t, mp, settings.JVB, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Affinity = nil })
			},
			present: func(mp *v1alpha1.MeetingPlatform) (bool, error) {
				d, err := liveDeployment(mp, settings.JVB)
				return d.Spec.Template.Spec.Affinity == nil, err
			},
		},
		{
			name:   "the bridge's drain hook removed",
			object: "Deployment " + settings.Name(mp, string(settings.JVB)),
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				updateDeployment(t, mp, settings.JVB, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Lifecycle = nil })
			},
			present: func(mp *v1alpha1.MeetingPlatform) (bool, error) {
				d, err := liveDeployment(mp, settings.JVB)
				return d.Spec.Template.Spec.Containers[0].Lifecycle == nil, err
			},
		},
		{
			name:   "the bridge's PodDisruptionBudget loosened to let every bridge go",
			object: "PodDisruptionBudget " + bridgeBudget.Name,
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				pdb := bridgeBudget.DeepCopy()
				if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(pdb), pdb); err != nil {
					t.Fatal(err)
				}
				pdb.Spec.MaxUnavailable = ptr.To(intstr.FromString("100%"))
				if err := k8s.Update(context.Background(), pdb, client.FieldOwner(tamperer)); err != nil {
					t.Fatal(err)
				}
			},
			present: func(mp *v1alpha1.MeetingPlatform) (bool, error) {
				pdb := bridgeBudget.DeepCopy()
				err := k8s.Get(context.Background(), client.ObjectKeyFromObject(pdb), pdb)
				return err == nil && pdb.Spec.MaxUnavailable.String() == "100%", err
			},
		},
		{
			name:   "the prosody PodDisruptionBudget deleted",
			object: "PodDisruptionBudget " + prosodyBudget.Name,
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				if err := k8s.Delete(context.Background(), prosodyBudget.DeepCopy()); err != nil {
					t.Fatal(err)
				}
			},
			present: deleted(prosodyBudget),
		},
		{
			name:   "the default-deny NetworkPolicy deleted",
			object: "NetworkPolicy " + defaultDeny.Name,
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				if err := k8s.Delete(context.Background(), defaultDeny.DeepCopy()); err != nil {
					t.Fatal(err)
				}
			},
			present: deleted(defaultDeny),
		},
		{
			name:   "the web configuration ConfigMap deleted",
			object: "ConfigMap " + webConfig.Name,
			do: func(t *testing.T, mp *v1alpha1.MeetingPlatform) {
				if err := k8s.Delete(context.Background(), webConfig.DeepCopy()); err != nil {
					t.Fatal(err)
				}
			},
			present: deleted(webConfig),
		},
	}
}

// convergedPlatform sets up a namespace with a platform whose children all exist and whose
// Deployments report available.
func convergedPlatform(t *testing.T, mode v1alpha1.ComplianceMode) *v1alpha1.MeetingPlatform {
	t.Helper()
	ensureEUNode(t)
	ns := newNamespace(t)
	createSecrets(t, ns)
	mp := createPlatform(t, newPlatform(ns, mode))
	markAvailable(t, ns)
	eventually(t, "platform reconciled for its generation", func() error {
		if p := getPlatform(t, mp); p.Status.ObservedGeneration != p.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", p.Status.ObservedGeneration, p.Generation)
		}
		return conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionFalse)
	})
	return mp
}

func TestEnforceModeRevertsEveryTampering(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	for _, tc := range tamperings(mp) {
		t.Run(tc.name+" is reverted", func(t *testing.T) {
			tc.do(t, mp)
			eventually(t, "the tampering is reverted", func() error {
				present, err := tc.present(mp)
				if err != nil && !apierrors.IsNotFound(err) {
					return err
				}
				if present || apierrors.IsNotFound(err) {
					return fmt.Errorf("still tampered")
				}
				return nil
			})
			eventually(t, "a DriftReverted event names the object", func() error {
				return eventFor(mp, "DriftReverted", tc.object)
			})
		})
	}
	t.Run("after the reverts the operator owns its fields through apply alone", func(t *testing.T) {
		desired, err := render.Objects(settings.Defaulted(mp))
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range desired {
			live := obj.DeepCopyObject().(client.Object)
			if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), live); err != nil {
				t.Fatal(err)
			}
			if got := operatorEntries(live); !slices.Equal(got, []string{"Apply/"}) {
				t.Errorf("%s %s: the operator's managedFields entries are %v, want only its apply entry", apply.KindOf(obj), obj.GetName(), got)
			}
		}
	})
}

func TestAuditModeReportsButDoesNotRevert(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeAudit)
	tc := tamperings(mp)[0] // an analytics env var
	tc.do(t, mp)
	eventually(t, "Compliant turns False", func() error { return conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionFalse) })
	eventually(t, "TelemetryDisabled turns False", func() error {
		return conditionIs(mp, v1alpha1.ConditionTelemetryDisabled, metav1.ConditionFalse)
	})
	eventually(t, "a ControlFailed event names TEL-1", func() error { return eventFor(mp, "ControlFailed", "TEL-1") })
	consistently(t, "Audit mode leaves the tampering in place", 3*time.Second, func() error {
		if present, err := tc.present(mp); err != nil || !present {
			return fmt.Errorf("the tampering was reverted in Audit mode (err %w)", err)
		}
		return nil
	})

	// Fixing it by hand brings the conditions back.
	updateDeployment(t, mp, settings.Web, func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		for i := range c.Env {
			if c.Env[i].Name == "AMPLITUDE_ID" {
				c.Env = append(c.Env[:i], c.Env[i+1:]...)
				break
			}
		}
	})
	eventually(t, "TelemetryDisabled returns to True", func() error {
		return conditionIs(mp, v1alpha1.ConditionTelemetryDisabled, metav1.ConditionTrue)
	})
}

func TestCredentialsSurviveAnOperatorRestart(t *testing.T) {
	first := startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	key := client.ObjectKey{Namespace: mp.Namespace, Name: settings.CredentialsSecretName(mp)}
	before := &corev1.Secret{}
	if err := k8s.Get(context.Background(), key, before); err != nil {
		t.Fatal(err)
	}
	for _, k := range settings.CredentialKeys {
		if len(before.Data[k]) < 32 {
			t.Fatalf("credential %s has %d characters, want at least 32", k, len(before.Data[k]))
		}
	}
	first.stop()

	startManager(t)
	// Deleting a child and seeing it back proves the new operator has reconciled the platform.
	processingRecord := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: mp.Name + "-processing-record"}}
	if err := k8s.Delete(context.Background(), processingRecord); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new operator has reconciled", func() error {
		return k8s.Get(context.Background(), client.ObjectKeyFromObject(processingRecord), &corev1.ConfigMap{})
	})
	after := &corev1.Secret{}
	eventually(t, "the credentials Secret is read back", func() error { return k8s.Get(context.Background(), key, after) })
	for _, k := range settings.CredentialKeys {
		if !bytes.Equal(before.Data[k], after.Data[k]) {
			t.Errorf("credential %s changed across a restart", k)
		}
	}
}

func TestMissingTLSSecretStallsUntilItAppears(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	createJWTSecret(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled names the missing Secret", stalledWith(mp, "SecretMissing", `"meet-tls"`))
	createTLSSecret(t, ns)
	eventually(t, "Stalled clears once the Secret exists", func() error {
		return conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionFalse)
	})
	eventually(t, "every child exists", func() error { return childrenExist(mp) })
}

func TestMissingJWTSecretStallsUntilItAppears(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	createTLSSecret(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled names the missing Secret and the field", stalledWith(mp, "SecretMissing", `"meet-jwt" (spec.access.jwt.secretRef)`))
	// Nothing polls a platform that waits for a Secret: only the watch on Secrets can wake it.
	createJWTSecret(t, ns)
	eventually(t, "the platform deploys once the Secret exists", deployed(mp))
}

func TestAShortJWTSigningSecretFailsACC3WithoutRevealingIt(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "AccessRestricted with the long test secret", func() error {
		return conditionIs(mp, v1alpha1.ConditionAccessRestricted, metav1.ConditionTrue)
	})

	jwt := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: "meet-jwt"}, jwt); err != nil {
		t.Fatal(err)
	}
	const short = "tooShortSigningKey7"
	jwt.Data = map[string][]byte{"secret": []byte(short)}
	if err := k8s.Update(context.Background(), jwt); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ACC-3 fails and says the signing secret is shorter than 32 bytes", func() error {
		if err := conditionIs(mp, v1alpha1.ConditionAccessRestricted, metav1.ConditionFalse); err != nil {
			return err
		}
		for _, c := range getPlatform(t, mp).Status.Compliance.Controls {
			if c.ID == string(settings.ACC3) && c.Result == v1alpha1.ResultFail && strings.Contains(c.Message, "shorter than 32 bytes") {
				return nil
			}
		}
		return fmt.Errorf("ACC-3 does not fail for the short signing secret")
	})
	// Neither the secret nor its length (which would narrow a guess) reaches status.
	reveals := func(message string) bool {
		return strings.Contains(message, short) || strings.Contains(message, fmt.Sprintf("%d bytes", len(short))) ||
			strings.Contains(message, fmt.Sprintf("%d characters", len(short)))
	}
	live := getPlatform(t, mp)
	for _, c := range live.Status.Conditions {
		if reveals(c.Message) {
			t.Errorf("condition %s reveals the secret or its length: %q", c.Type, c.Message)
		}
	}
	for _, c := range live.Status.Compliance.Controls {
		if reveals(c.Message) {
			t.Errorf("control %s reveals the secret or its length: %q", c.ID, c.Message)
		}
	}
}

// TestInputsThatCannotWorkStall: values the CRD cannot judge (the catalog, a Quantity, the
// content of a Secret) stall the platform with the field named, and nothing is deployed.
func TestInputsThatCannotWorkStall(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	for _, tc := range []struct {
		name, reason, names string
		change              func(*v1alpha1.MeetingPlatform)
		jwtSecret           string
	}{
		{name: "a listed region the catalog places outside the jurisdiction", reason: v1alpha1.ReasonInvalidSpec, names: "spec.placement.allowedRegions[1]",
			change: func(mp *v1alpha1.MeetingPlatform) {
				mp.Spec.Placement.AllowedRegions = []string{"eu-central-1", "us-east-1"}
			}},
		{name: "a videobridge memory limit too small for its heap", reason: v1alpha1.ReasonInvalidSpec, names: "spec.components.jvb.resources.limits.memory",
			change: func(mp *v1alpha1.MeetingPlatform) {
				mp.Spec.Components.JVB.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("100Mi")}}
			}},
		{name: "a JWT signing secret with a quote, which would end prosody's Lua string", reason: v1alpha1.ReasonInvalidSecret,
			names: `key "secret" of Secret "meet-jwt" (spec.access.jwt.secretRef)`, jwtSecret: `a-signing-secret-long-enough-but-with-a-" quote`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			createTLSSecret(t, ns)
			secret := tc.jwtSecret
			if secret == "" {
				secret = "a-test-signing-secret-that-is-long-enough"
			}
			jwt := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "meet-jwt", Namespace: ns}, StringData: map[string]string{"secret": secret}}
			if err := k8s.Create(context.Background(), jwt); err != nil {
				t.Fatal(err)
			}
			mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
			if tc.change != nil {
				tc.change(mp)
			}
			if err := k8s.Create(context.Background(), mp); err != nil {
				t.Fatal(err)
			}
			eventually(t, "Stalled names the field", stalledWith(mp, tc.reason, tc.names))
			if err := eventFor(mp, tc.reason, secret); tc.jwtSecret != "" && err == nil {
				t.Error("the Stalled event shows the secret")
			}
			if _, err := liveDeployment(mp, settings.Web); !apierrors.IsNotFound(err) {
				t.Errorf("a stalled platform was deployed (err %v)", err)
			}
		})
	}
}

func TestInternalAccountsWaitForTheirClaimAndLiveOnIt(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	createTLSSecret(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationInternal,
		Internal: &v1alpha1.InternalAuthSpec{AccountsClaimName: "prosody-accounts"}}
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled names the missing claim", stalledWith(mp, "VolumeClaimMissing", `"prosody-accounts" (spec.access.internal.accountsClaimName)`))

	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "prosody-accounts", Namespace: ns},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
	}
	if err := k8s.Create(context.Background(), claim); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the platform deploys once the claim exists", deployed(mp))
	prosody, err := liveDeployment(mp, settings.Prosody)
	if err != nil {
		t.Fatal(err)
	}
	var source *corev1.PersistentVolumeClaimVolumeSource
	for _, v := range prosody.Spec.Template.Spec.Volumes {
		if v.Name == "prosody-data" {
			source = v.PersistentVolumeClaim
		}
	}
	if source == nil || source.ClaimName != "prosody-accounts" {
		t.Errorf("prosody's data volume is %+v, want the claim prosody-accounts", prosody.Spec.Template.Spec.Volumes)
	}
	if prosody.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("prosody's strategy is %s, want Recreate: a ReadWriteOnce claim cannot be mounted by two pods", prosody.Spec.Strategy.Type)
	}
	markAvailable(t, ns)
	eventually(t, "Compliant with the accounts on the claim", func() error {
		return conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionTrue)
	})
}

func TestAReplacedCertificateIsJudgedAtOnce(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "TransportEncrypted", func() error {
		return conditionIs(mp, v1alpha1.ConditionTransportEncrypted, metav1.ConditionTrue)
	})

	// The platform is idle; without a watch on its TLS Secret the next look would be an hour away.
	cert, key, err := fixtures.ValidCertificate("other.example.eu", time.Now()).PEM()
	if err != nil {
		t.Fatal(err)
	}
	tls := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: mp.Namespace, Name: "meet-tls"}, tls); err != nil {
		t.Fatal(err)
	}
	tls.Data = map[string][]byte{corev1.TLSCertKey: cert, corev1.TLSPrivateKeyKey: key}
	if err := k8s.Update(context.Background(), tls); err != nil {
		t.Fatal(err)
	}
	eventually(t, "TransportEncrypted turns False and TLS-2 names the host", func() error {
		if err := conditionIs(mp, v1alpha1.ConditionTransportEncrypted, metav1.ConditionFalse); err != nil {
			return err
		}
		return eventFor(mp, "ControlFailed", "TLS-2")
	})
}

func TestConvergedPlatformMakesNoWrites(t *testing.T) {
	m := startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "Ready", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })
	// Let the last status write and its watch event settle, then count.
	time.Sleep(2 * time.Second)
	start := len(m.writes.Writes())
	time.Sleep(10 * time.Second)
	if extra := m.writes.Writes()[start:]; len(extra) != 0 {
		t.Fatalf("a converged platform caused %d writes in 10s: %v", len(extra), extra)
	}
}

func TestAPassOfAConvergedPlatformReadsOnlyFromTheCache(t *testing.T) {
	m := startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "Ready", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })
	time.Sleep(2 * time.Second)
	start := len(m.gets())
	// A deleted child brings a pass that recreates it, and the create event another one.
	policy := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: "meet-dns"}}
	if err := k8s.Delete(context.Background(), policy); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the NetworkPolicy is recreated", func() error {
		return k8s.Get(context.Background(), client.ObjectKeyFromObject(policy), policy)
	})
	eventually(t, "Ready again", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })
	time.Sleep(2 * time.Second)
	if extra := m.gets()[start:]; len(extra) != 0 {
		t.Fatalf("passes over unchanged inputs read %d objects past the cache: %v", len(extra), extra)
	}
}

func TestForeignNetworkPoliciesAndIngressesCountAgainstCompliance(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	for _, c := range []string{v1alpha1.ConditionTelemetryDisabled, v1alpha1.ConditionTransportEncrypted} {
		eventually(t, c, func() error { return conditionIs(mp, c, metav1.ConditionTrue) })
	}

	// Policies add up: an unlabelled policy that allows all egress undoes the operator's
	// default-deny, although every object of the operator is untouched.
	allowAll := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "allow-all-egress", Namespace: mp.Namespace},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{}}},
	}
	if err := k8s.Create(context.Background(), allowAll); err != nil {
		t.Fatal(err)
	}
	eventually(t, "TelemetryDisabled turns False naming the policy", func() error {
		if err := conditionIs(mp, v1alpha1.ConditionTelemetryDisabled, metav1.ConditionFalse); err != nil {
			return err
		}
		return eventFor(mp, "ControlFailed", "allow-all-egress")
	})
	if err := k8s.Delete(context.Background(), allowAll); err != nil {
		t.Fatal(err)
	}
	eventually(t, "TelemetryDisabled returns to True", func() error {
		return conditionIs(mp, v1alpha1.ConditionTelemetryDisabled, metav1.ConditionTrue)
	})

	// A second Ingress for the domain, without TLS, serves the platform in plain HTTP.
	pathType := networkingv1.PathTypePrefix
	plain := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "plain-http", Namespace: mp.Namespace},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: mp.Spec.Domain,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &pathType, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: settings.Name(mp, string(settings.Web)),
						Port: networkingv1.ServiceBackendPort{Name: "http"}}}}}}}}}},
	}
	if err := k8s.Create(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	eventually(t, "TransportEncrypted turns False naming the Ingress", func() error {
		if err := conditionIs(mp, v1alpha1.ConditionTransportEncrypted, metav1.ConditionFalse); err != nil {
			return err
		}
		return eventFor(mp, "ControlFailed", "plain-http")
	})
}
