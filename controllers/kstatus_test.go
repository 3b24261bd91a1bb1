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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// kstatusOf computes what Flux and kubectl-style tooling (sigs.k8s.io/cli-utils kstatus) make of
// the live platform.
func kstatusOf(mp *v1alpha1.MeetingPlatform) (status.Status, error) {
	live := &v1alpha1.MeetingPlatform{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), live); err != nil {
		return "", err
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return "", err
	}
	res, err := status.Compute(&unstructured.Unstructured{Object: m})
	if err != nil {
		return "", err
	}
	return res.Status, nil
}

func kstatusIs(mp *v1alpha1.MeetingPlatform, want status.Status) error {
	got, err := kstatusOf(mp)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("kstatus is %s, want %s", got, want)
	}
	return nil
}

func TestKstatusAgreesWithTheConditionsInEveryPhase(t *testing.T) {
	startManager(t)
	ensureEUNode(t)

	t.Run("a platform waiting for its components is InProgress", func(t *testing.T) {
		ns := newNamespace(t)
		createSecrets(t, ns)
		mp := createPlatform(t, newPlatform(ns, v1alpha1.ComplianceModeEnforce))
		eventually(t, "Reconciling is True", func() error { return conditionIs(mp, v1alpha1.ConditionReconciling, metav1.ConditionTrue) })
		eventually(t, "kstatus InProgress", func() error { return kstatusIs(mp, status.InProgressStatus) })

		markAvailable(t, ns)
		eventually(t, "Ready is True", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })
		eventually(t, "kstatus Current", func() error { return kstatusIs(mp, status.CurrentStatus) })
	})

	t.Run("a platform whose TLS Secret is missing is Failed", func(t *testing.T) {
		ns := newNamespace(t)
		createJWTSecret(t, ns)
		mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
		if err := k8s.Create(context.Background(), mp); err != nil {
			t.Fatal(err)
		}
		eventually(t, "Stalled is True", func() error { return conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionTrue) })
		eventually(t, "kstatus Failed", func() error { return kstatusIs(mp, status.FailedStatus) })
	})
}
