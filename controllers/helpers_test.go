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
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

var nodePortN atomic.Int32

const (
	waitTimeout = 30 * time.Second
)

// eventually retries check until it returns nil or the timeout passes.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: still failing after %s: %v", what, waitTimeout, err)
}

// consistently fails the test if check ever fails during d. It is used only to show that
// something does NOT happen (Audit mode leaves drift alone).
func consistently(t *testing.T, what string, d time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := check(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ensureEUNode creates a Ready node in an EU region (envtest has no kubelet).
func ensureEUNode(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "eu-node", Labels: map[string]string{
		corev1.LabelTopologyRegion: "eu-central-1", corev1.LabelTopologyZone: "eu-central-1a"}}}
	if err := k8s.Create(ctx, node); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(node), node); err != nil {
		t.Fatal(err)
	}
	node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
		LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now(), Reason: "Test"}}
	if err := k8s.Status().Update(ctx, node); err != nil {
		t.Fatal(err)
	}
}

// createSecrets creates the TLS and JWT Secrets the sample platform references.
func createSecrets(t *testing.T, ns string) {
	t.Helper()
	createTLSSecret(t, ns)
	createJWTSecret(t, ns)
}

func createJWTSecret(t *testing.T, ns string) {
	t.Helper()
	jwt := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "meet-jwt", Namespace: ns},
		StringData: map[string]string{"secret": "a-test-signing-secret-that-is-long-enough"}}
	if err := k8s.Create(context.Background(), jwt); err != nil {
		t.Fatal(err)
	}
}

func createTLSSecret(t *testing.T, ns string) {
	t.Helper()
	cert, key, err := fixtures.ValidCertificate(domainOf(ns), time.Now()).PEM()
	if err != nil {
		t.Fatal(err)
	}
	tls := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "meet-tls", Namespace: ns}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: cert, corev1.TLSPrivateKeyKey: key}}
	if err := k8s.Create(context.Background(), tls); err != nil {
		t.Fatal(err)
	}
}

// domainOf is the domain of the test platform in namespace ns: a domain is claimed by one
// platform in the cluster, and another platform's Ingress for it would be a foreign route.
func domainOf(ns string) string { return "meet." + ns + ".example.eu" }

// newPlatform returns the sample platform in namespace ns. Node ports are cluster-wide: every
// test platform gets its own.
func newPlatform(ns string, mode v1alpha1.ComplianceMode) *v1alpha1.MeetingPlatform {
	mp := fixtures.Sample(ns, "meet", domainOf(ns), 30000+nodePortN.Add(1))
	mp.Spec.Compliance.Mode = mode
	return mp
}

// createPlatform creates a platform and waits until the operator has applied its children.
func createPlatform(t *testing.T, mp *v1alpha1.MeetingPlatform) *v1alpha1.MeetingPlatform {
	t.Helper()
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "every child exists", func() error { return childrenExist(mp) })
	return mp
}

// childrenExist checks that every object the renderer wants exists.
func childrenExist(mp *v1alpha1.MeetingPlatform) error {
	desired, err := render.Objects(settings.Defaulted(mp))
	if err != nil {
		return err
	}
	for _, obj := range desired {
		live := obj.DeepCopyObject().(client.Object)
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), live); err != nil {
			return fmt.Errorf("%s %s: %w", apply.KindOf(obj), obj.GetName(), err)
		}
	}
	return nil
}

// markAvailable plays the Deployment controller: it reports every Deployment of ns as rolled out.
func markAvailable(t *testing.T, ns string) {
	t.Helper()
	var list appsv1.DeploymentList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		d := &list.Items[i]
		n := *d.Spec.Replicas
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n,
			ReadyReplicas: n, AvailableReplicas: n}
		if err := k8s.Status().Update(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
}

func getPlatform(t *testing.T, mp *v1alpha1.MeetingPlatform) *v1alpha1.MeetingPlatform {
	t.Helper()
	out := &v1alpha1.MeetingPlatform{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), out); err != nil {
		t.Fatal(err)
	}
	return out
}

// conditionIs checks a condition's status on the live platform.
func conditionIs(mp *v1alpha1.MeetingPlatform, condition string, want metav1.ConditionStatus) error {
	live := &v1alpha1.MeetingPlatform{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), live); err != nil {
		return err
	}
	c := meta.FindStatusCondition(live.Status.Conditions, condition)
	if c == nil {
		return fmt.Errorf("no %s condition yet", condition)
	}
	if c.Status != want {
		return fmt.Errorf("%s is %s (%s: %s), want %s", condition, c.Status, c.Reason, c.Message, want)
	}
	if c.ObservedGeneration != live.Generation {
		return fmt.Errorf("%s has observedGeneration %d, want %d", condition, c.ObservedGeneration, live.Generation)
	}
	return nil
}

// eventFor waits for an Event with the reason whose note contains text.
func eventFor(mp *v1alpha1.MeetingPlatform, reason, text string) error {
	var list eventsv1.EventList
	if err := k8s.List(context.Background(), &list, client.InNamespace(mp.Namespace)); err != nil {
		return err
	}
	var seen []string
	for _, e := range list.Items {
		if e.Regarding.Name == mp.Name && e.Reason == reason {
			if containsText(e.Note, text) {
				return nil
			}
			seen = append(seen, e.Note)
		}
	}
	return fmt.Errorf("no %s event mentioning %q (seen: %v)", reason, text, seen)
}

func containsText(s, sub string) bool { return strings.Contains(s, sub) }

func deploymentName(mp *v1alpha1.MeetingPlatform, c settings.Component) client.ObjectKey {
	return client.ObjectKey{Namespace: mp.Namespace, Name: settings.Name(mp, string(c))}
}

// stalledWith checks that the platform is Stalled and that an Event of the reason mentions text.
func stalledWith(mp *v1alpha1.MeetingPlatform, reason, text string) func() error {
	return func() error {
		if err := conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionTrue); err != nil {
			return err
		}
		return eventFor(mp, reason, text)
	}
}

// deployed checks that the platform is no longer Stalled and that every child exists.
func deployed(mp *v1alpha1.MeetingPlatform) func() error {
	return func() error {
		if err := conditionIs(mp, v1alpha1.ConditionStalled, metav1.ConditionFalse); err != nil {
			return err
		}
		return childrenExist(mp)
	}
}
