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

package apply

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestSyncReportsWhatItDid runs Sync against a real API server, whose managedFields tell the
// operator's fields from other managers'.
func TestSyncReportsWhatItDid(t *testing.T) {
	c := apiServer(t)
	ctx := context.Background()
	ns := newNamespace(t)
	desired := func(name, value string) *corev1.ConfigMap {
		cm := &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Data:       map[string]string{"k": value},
		}
		if err := setDesiredHash(cm); err != nil {
			t.Fatal(err)
		}
		return cm
	}
	// exists applies the first desired state, as an earlier pass of the operator did.
	exists := func(t *testing.T, child string) {
		t.Helper()
		if err := (&Applier{Client: c, APIReader: c}).apply(ctx, desired(child, "v")); err != nil {
			t.Fatal(err)
		}
	}
	// changedBySomeone changes the value as `kubectl edit` would: an update by another manager.
	changedBySomeone := func(t *testing.T, child string) {
		t.Helper()
		exists(t, child)
		live := &corev1.ConfigMap{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: child}, live); err != nil {
			t.Fatal(err)
		}
		live.Data["k"] = "foreign"
		if err := c.Update(ctx, live, client.FieldOwner("someone")); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		child     string
		before    func(t *testing.T, child string)
		value     string
		opts      Options
		want      Result
		wantValue string // "" when the child must not exist afterwards
	}{
		{
			name:      "a missing child is created",
			child:     "created",
			before:    func(*testing.T, string) {},
			value:     "v",
			want:      Result{Outcome: Created},
			wantValue: "v",
		},
		{
			name:      "a child that matches its desired state is left alone",
			child:     "unchanged",
			before:    exists,
			value:     "v",
			opts:      Options{AppliedBefore: true},
			want:      Result{Outcome: Unchanged},
			wantValue: "v",
		},
		{
			name:      "a changed desired state is applied",
			child:     "changed",
			before:    exists,
			value:     "w",
			opts:      Options{AppliedBefore: true},
			want:      Result{Outcome: Changed},
			wantValue: "w",
		},
		{
			name:      "a changed desired state is applied in Audit mode too",
			child:     "changed-audit",
			before:    exists,
			value:     "w",
			opts:      Options{Mode: Audit, AppliedBefore: true},
			want:      Result{Outcome: Changed},
			wantValue: "w",
		},
		{
			name:      "a child deleted after it was applied is recreated and the revert is named",
			child:     "deleted-enforce",
			before:    func(*testing.T, string) {},
			value:     "v",
			opts:      Options{AppliedBefore: true},
			want:      Result{Outcome: Reverted, Drift: "ConfigMap deleted-enforce was deleted; recreated"},
			wantValue: "v",
		},
		{
			name:   "a child deleted after it was applied stays deleted in Audit mode and is named",
			child:  "deleted-audit",
			before: func(*testing.T, string) {},
			value:  "v",
			opts:   Options{Mode: Audit, AppliedBefore: true},
			want:   Result{Outcome: DriftLeft, Drift: "ConfigMap deleted-audit was deleted"},
		},
		{
			name:      "a value another manager changed is reverted and the manager named",
			child:     "foreign-enforce",
			before:    changedBySomeone,
			value:     "v",
			opts:      Options{AppliedBefore: true},
			want:      Result{Outcome: Reverted, Drift: "ConfigMap foreign-enforce: changed by another manager: someone: data.k"},
			wantValue: "v",
		},
		{
			name:      "a value another manager changed is left in place in Audit mode and the manager named",
			child:     "foreign-audit",
			before:    changedBySomeone,
			value:     "v",
			opts:      Options{Mode: Audit, AppliedBefore: true},
			want:      Result{Outcome: DriftLeft, Drift: "ConfigMap foreign-audit: changed by another manager: someone: data.k"},
			wantValue: "foreign",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.before(t, tt.child)
			a := &Applier{Client: c, APIReader: c}
			got, err := a.Sync(ctx, desired(tt.child, tt.value), tt.opts)
			if err != nil || got != tt.want {
				t.Fatalf("Sync: got %+v (err %v), want %+v", got, err, tt.want)
			}
			// The next pass finds nothing to do, or the same drift still left in place.
			wantAgain := Result{}
			if tt.want.Outcome == DriftLeft {
				wantAgain = tt.want
			}
			again, err := a.Sync(ctx, desired(tt.child, tt.value), Options{Mode: tt.opts.Mode, AppliedBefore: true})
			if err != nil || again != wantAgain {
				t.Errorf("the next Sync: got %+v (err %v), want %+v", again, err, wantAgain)
			}

			live := &corev1.ConfigMap{}
			err = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: tt.child}, live)
			if tt.wantValue == "" {
				if !apierrors.IsNotFound(err) {
					t.Fatalf("the child exists (err %v), want it left deleted", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if live.Data["k"] != tt.wantValue {
				t.Errorf("the live value is %q, want %q", live.Data["k"], tt.wantValue)
			}
			if tt.want.Outcome != DriftLeft {
				// Whatever was written, the operator owns its fields through apply alone.
				if got := operatorEntries(live); !slices.Equal(got, []string{"Apply/"}) {
					t.Errorf("the operator's managedFields entries are %v, want only its apply entry", got)
				}
			}
		})
	}
}
