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

// Pure unit tests of the reconciler's small helpers; they need no API server.

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

func TestLowestRequeue(t *testing.T) {
	after := func(d time.Duration) ctrl.Result { return ctrl.Result{RequeueAfter: d} }
	tests := []struct {
		name string
		a, b ctrl.Result
		want ctrl.Result
	}{
		{"no requeue on either side is no requeue", ctrl.Result{}, ctrl.Result{}, ctrl.Result{}},
		{"a requeue wins over none, on the left", after(time.Second), ctrl.Result{}, after(time.Second)},
		{"a requeue wins over none, on the right", ctrl.Result{}, after(time.Hour), after(time.Hour)},
		{"the earlier of two requeues wins", after(time.Hour), after(10 * time.Second), after(10 * time.Second)},
		{"equal requeues stay", after(time.Minute), after(time.Minute), after(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lowestRequeue(tt.a, tt.b); got != tt.want {
				t.Errorf("lowestRequeue(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestReferencedKeys(t *testing.T) {
	jwt := &v1alpha1.JWTSpec{AppID: "meet", SecretRef: v1alpha1.SecretKeyReference{Name: "meet-jwt", Key: "hs256"}}
	ldap := &v1alpha1.LDAPSpec{URL: "ldaps://ldap.example.eu", BindSecretRef: v1alpha1.LocalObjectReference{Name: "bind"}}
	tests := []struct {
		name   string
		access v1alpha1.AccessSpec
		want   []secretKeyRef
	}{
		{"JWT reads the signing secret's key", v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationJWT, JWT: jwt},
			[]secretKeyRef{{"spec.access.jwt.secretRef", "meet-jwt", "hs256"}}},
		{"LDAP reads the bind DN and the password", v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationLDAP, LDAP: ldap},
			[]secretKeyRef{{"spec.access.ldap.bindSecretRef", "bind", "bindDN"}, {"spec.access.ldap.bindSecretRef", "bind", "password"}}},
		{"a JWT block under LDAP authentication is not read", v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationLDAP, JWT: jwt, LDAP: ldap},
			[]secretKeyRef{{"spec.access.ldap.bindSecretRef", "bind", "bindDN"}, {"spec.access.ldap.bindSecretRef", "bind", "password"}}},
		{"internal accounts read no Secret of the user", v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationInternal}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := &v1alpha1.MeetingPlatform{Spec: v1alpha1.MeetingPlatformSpec{Access: tt.access}}
			if got := referencedKeys(mp); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("referencedKeys = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNodePlacementChanged(t *testing.T) {
	node := func(mutate func(*corev1.Node)) *corev1.Node {
		n := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "n1", ResourceVersion: "1", Labels: map[string]string{corev1.LabelTopologyRegion: "eu-central-1"}},
			Spec:       corev1.NodeSpec{ProviderID: "aws:///eu-central-1a/i-1"},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.NewTime(time.Unix(0, 0))}}},
		}
		if mutate != nil {
			mutate(n)
		}
		return n
	}
	tests := []struct {
		name   string
		mutate func(*corev1.Node)
		want   bool
	}{
		{"a heartbeat is dropped", func(n *corev1.Node) {
			n.ResourceVersion = "2"
			n.Status.Conditions[0].LastHeartbeatTime = metav1.NewTime(time.Unix(60, 0))
		}, false},
		{"a changed region label passes", func(n *corev1.Node) { n.Labels[corev1.LabelTopologyRegion] = "us-east-1" }, true},
		{"a new label passes", func(n *corev1.Node) { n.Labels["x"] = "y" }, true},
		{"a changed providerID passes", func(n *corev1.Node) { n.Spec.ProviderID = "hcloud://1" }, true},
		{"cordoning passes", func(n *corev1.Node) { n.Spec.Unschedulable = true }, true},
		{"a node turning NotReady passes", func(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionFalse }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := event.UpdateEvent{ObjectOld: node(nil), ObjectNew: node(tt.mutate)}
			if got := (nodePlacementChanged{}).Update(e); got != tt.want {
				t.Errorf("Update = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a created or deleted node always passes, a generic event never", func(t *testing.T) {
		p := nodePlacementChanged{}
		if !p.Create(event.CreateEvent{Object: node(nil)}) || !p.Delete(event.DeleteEvent{Object: node(nil)}) || p.Generic(event.GenericEvent{Object: node(nil)}) {
			t.Error("create/delete must pass and generic must not")
		}
	})
}

func TestStallErrorsAreFoundThroughWrapping(t *testing.T) {
	s := stall(v1alpha1.ReasonSecretMissing, "waiting for %s", `Secret "x"`)
	if got := asStall(fmt.Errorf("inputs: %w", s)); got != s {
		t.Fatalf("asStall lost the wrapped stall: %v", got)
	}
	if asStall(errors.New("connection refused")) != nil {
		t.Fatal("a transient error is not a stall")
	}
	if s.Error() != `SecretMissing: waiting for Secret "x"` {
		t.Errorf("Error() = %q", s.Error())
	}
}

func TestEventNotesAreBoundedToWhatTheAPIServerAccepts(t *testing.T) {
	long := "TEL-1 (critical): Deployment meet-web sets " + strings.Repeat("ä", 800)
	got := boundNote(long)
	if len(got) > maxEventNote || !strings.HasPrefix(got, "TEL-1 (critical): Deployment meet-web") || !utf8.ValidString(got) || !strings.HasSuffix(got, "(cut)") {
		t.Errorf("boundNote gave %d bytes, valid UTF-8 %v: %q", len(got), utf8.ValidString(got), got[:60])
	}
	if short := "REC-2: fine"; boundNote(short) != short {
		t.Error("a short note was changed")
	}
}

func TestTheHourlyRecheckIsSpreadAndStablePerPlatform(t *testing.T) {
	seen := map[time.Duration]bool{}
	for i := range 50 {
		uid := types.UID(fmt.Sprintf("6f1c2a9e-0000-4000-8000-%012d", i))
		d := recheckAfter(uid)
		if d < certificateRecheck || d >= certificateRecheck+recheckJitter {
			t.Fatalf("recheckAfter = %s, want within [%s, %s)", d, certificateRecheck, certificateRecheck+recheckJitter)
		}
		if recheckAfter(uid) != d {
			t.Fatal("the wait of one platform changes from pass to pass")
		}
		seen[d] = true
	}
	if len(seen) < 40 {
		t.Errorf("50 platforms share only %d distinct waits: the fleet still wakes together", len(seen))
	}
}

func TestAPlatformCreatedAgainUnderItsNameDoesNotInheritTheStatusOfItsPredecessor(t *testing.T) {
	r := &MeetingPlatformReconciler{}
	old := &v1alpha1.MeetingPlatform{ObjectMeta: metav1.ObjectMeta{Namespace: "video", Name: "meet", UID: "uid-old"}}
	r.written.Store(client.ObjectKeyFromObject(old), writtenStatus{uid: old.UID, status: v1alpha1.MeetingPlatformStatus{Inventory: []string{"Deployment/meet-web"}}})
	if got := r.previousStatus(old); len(got.Inventory) != 1 {
		t.Fatalf("the platform's own last status is not used: %+v", got)
	}
	again := old.DeepCopy()
	again.UID = "uid-new"
	if got := r.previousStatus(again); len(got.Inventory) != 0 {
		t.Errorf("the new platform inherited the inventory of the deleted one: %v", got.Inventory)
	}
}

func TestSecretValuesMustFitWhereProsodyWritesThem(t *testing.T) {
	jwt := secretKeyRef{jwtSecretRefField, "meet-jwt", "secret"}
	ldap := secretKeyRef{"spec.access.ldap.bindSecretRef", "bind", "password"}
	for _, tt := range []struct {
		name  string
		ref   secretKeyRef
		value string
		fits  bool
	}{
		{"a base64 JWT secret fits the Lua string", jwt, "q3J8vX2mL9pR4tW7yZ1cF6hK0nB5dG8sA2eU4+/=", true},
		{"a quote would end the Lua string", jwt, `secret" .. os.getenv("HOME") .. "`, false},
		{"a backslash would escape in the Lua string", jwt, `secret\`, false},
		{"a line break breaks the Lua string", jwt, "secret\nmore", false},
		{"an LDAP password may hold quotes and backslashes", ldap, `pa"ss\word`, true},
		{"a line break in an LDAP password would add a saslauthd setting", ldap, "pw\nldap_servers: ldap://evil.example", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := fitsItsPlace(tt.ref, []byte(tt.value)); got != tt.fits {
				t.Errorf("fitsItsPlace = %v, want %v", got, tt.fits)
			}
		})
	}
}

func TestAPlatformOnAGatewayStallsWhereTheGatewayAPIIsNotServed(t *testing.T) {
	// A reconciler without a manager has no optional kinds: the cluster serves none of them.
	r := &MeetingPlatformReconciler{}
	mp := settings.Defaulted(fixtures.OnGateway("video", "meet", "meet.example.eu", v1alpha1.DefaultMediaPort))
	res, err := r.requireOptionalKinds(t.Context(), mp)
	s := asStall(err)
	if s == nil || s.reason != v1alpha1.ReasonGatewayAPIMissing {
		t.Fatalf("got %v, want a stall with reason %s", err, v1alpha1.ReasonGatewayAPIMissing)
	}
	if !strings.Contains(s.message, fixtures.GatewayNamespace+"/"+fixtures.GatewayName) || !strings.Contains(s.message, "gateway.networking.k8s.io/v1") {
		t.Errorf("the stall does not name the Gateway and the API: %q", s.message)
	}
	if res.RequeueAfter != unwatchedRecheck {
		t.Errorf("requeue after %s, want %s: installing the Gateway API is not watched", res.RequeueAfter, unwatchedRecheck)
	}
	if _, err := r.requireOptionalKinds(t.Context(), settings.Defaulted(fixtures.Minimal())); err != nil {
		t.Errorf("a platform on an Ingress needs no Gateway API: %v", err)
	}
}

func TestAPlatformOnAGatewayIsJudgedAgainWhenItsListenerCertificateEntersTheWarning(t *testing.T) {
	now := time.Date(2026, time.September, 1, 12, 0, 0, 0, time.UTC)
	// Valid for 14 days and 30 minutes: in 30 minutes it is within 14 days of expiry (TLS-2 Warn).
	soon := fixtures.Certificate{Host: "meet.example.eu", NotBefore: now.Add(-time.Hour), ValidFor: time.Hour + 14*24*time.Hour + 30*time.Minute, RSABits: 2048}
	sec, err := soon.TLSSecret(fixtures.GatewayNamespace, "public-tls")
	if err != nil {
		t.Fatal(err)
	}
	s := &scope{mp: settings.Defaulted(fixtures.OnGateway("video", "meet", "meet.example.eu", v1alpha1.DefaultMediaPort)), now: now}
	snap := &liveState{ListenerSecrets: map[string]*corev1.Secret{fixtures.GatewayNamespace + "/public-tls": sec}}
	if got, want := nextLook(s, snap), 30*time.Minute+time.Second; got != want {
		t.Errorf("next look in %s, want %s (when the listener's certificate enters the 14-day warning)", got, want)
	}
	if got := nextLook(s, &liveState{}); got < certificateRecheck {
		t.Errorf("without a certificate the next look is in %s, want the hourly recheck", got)
	}
}

func TestAPlatformOnAGatewayReadsNoTLSSecretOfItsOwn(t *testing.T) {
	mp := settings.Defaulted(fixtures.OnGateway("video", "meet", "meet.example.eu", v1alpha1.DefaultMediaPort))
	if got, want := referencedInputs(mp), []string{"Secret/meet-jwt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("referencedInputs = %v, want %v: the listener holds the certificate", got, want)
	}
}
