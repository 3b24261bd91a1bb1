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

package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// TestAStrippedOwnerReferenceOfTheCredentialsSecretIsReportedWhereTheOperatorMayNotRestoreIt
// shows what docs/install.md says of OwnerReferencesPermissionEnforcement (on in this cluster):
// changing the owner references of an existing object needs the right to delete it, which the
// operator has on every kind it owns except Secrets. So when someone strips the owner reference
// off the credentials Secret, the operator cannot put it back: the platform is Stalled with
// AdmissionDenied, naming the Secret, and the stall clears as soon as a person restores the
// reference. (Ready then still waits for the next write of the Secret by the operator: the
// person's field manager shares the owner reference, at its desired value, and the drift check
// takes that for drift it cannot revert. That belongs to controllers/apply, not to RBAC.)
func TestAStrippedOwnerReferenceOfTheCredentialsSecretIsReportedWhereTheOperatorMayNotRestoreIt(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 5*time.Minute)
	ns := createNamespace(t, "e2e-ownerrefs")
	mp := waitReady(t, keyOf(createPlatform(t, newPlatform(ns, "meet"))), 3*time.Minute)
	key := client.ObjectKey{Namespace: ns, Name: "meet-credentials"}
	secret := &corev1.Secret{}
	if err := k8s.Get(ctx, key, secret); err != nil {
		t.Fatal(err)
	}
	owners := secret.OwnerReferences
	if len(owners) != 1 || owners[0].UID != mp.UID {
		t.Fatalf("the credentials Secret's owner references are %+v, want the platform", owners)
	}

	stripped := time.Now()
	if out, err := kubectl(ctx, "-n", ns, "patch", "secret", key.Name, "--type=json",
		"-p", `[{"op":"remove","path":"/metadata/ownerReferences"}]`); err != nil {
		t.Fatalf("kubectl patch: %v\n%s", err, out)
	}
	waitPlatform(t, keyOf(mp), time.Minute, "Stalled=True with AdmissionDenied naming the Secret, and ACC-3 failing", func(cur *v1alpha1.MeetingPlatform) error {
		if err := conditionIs(cur, v1alpha1.ConditionStalled, metav1.ConditionTrue); err != nil {
			return err
		}
		c := condition(cur, v1alpha1.ConditionStalled)
		if c.Reason != v1alpha1.ReasonAdmissionDenied || !strings.Contains(c.Message, key.Name) || !strings.Contains(c.Message, "can't delete") {
			return fmt.Errorf("Stalled is %s: %s", c.Reason, c.Message)
		}
		if err := conditionIs(cur, v1alpha1.ConditionReady, metav1.ConditionFalse); err != nil {
			return err
		}
		if cur.Status.Compliance == nil {
			return errors.New("no compliance result yet")
		}
		for _, control := range cur.Status.Compliance.Controls {
			if control.ID == "ACC-3" && control.Result == v1alpha1.ResultFail {
				return nil
			}
		}
		return errors.New("ACC-3 does not fail")
	})
	waitEvent(t, ns, eventMatch{platform: mp.Name, reason: v1alpha1.ReasonAdmissionDenied, since: stripped, about: key.Name}, 30*time.Second)
	if err := k8s.Get(ctx, key, secret); err != nil {
		t.Fatal(err)
	}
	if len(secret.OwnerReferences) != 0 {
		t.Fatalf("the owner reference came back (%+v): then the operator may change it, and docs/install.md is wrong", secret.OwnerReferences)
	}

	// The remedy the docs give: put the reference back.
	secret.OwnerReferences = owners
	if err := k8s.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	waitPlatform(t, keyOf(mp), time.Minute, "no longer Stalled, and Compliant (ACC-3 passes again)", func(cur *v1alpha1.MeetingPlatform) error {
		if err := conditionIs(cur, v1alpha1.ConditionStalled, metav1.ConditionFalse); err != nil {
			return err
		}
		return conditionIs(cur, v1alpha1.ConditionCompliant, metav1.ConditionTrue)
	})
}
