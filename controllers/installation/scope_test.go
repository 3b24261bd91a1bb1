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

package installation

import (
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func TestParseScope(t *testing.T) {
	for _, tc := range []struct {
		name, flag string
		want       []string
		wantErr    string
	}{
		{"empty is the whole cluster", "", nil, ""},
		{"blanks are the whole cluster", "  ", nil, ""},
		{"names are sorted and named once", "video-b, video-a,video-b", []string{"video-a", "video-b"}, ""},
		{"an upper-case name is refused, named", "video,Video", nil, `"Video" is not a namespace name`},
		{"an empty entry is refused", "video,,audio", nil, `"" is not a namespace name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseScope(tc.flag)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseScope(%q) = %v, %v; want an error with %q", tc.flag, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(Scope{Namespaces: tc.want}) {
				t.Fatalf("ParseScope(%q) = %v, %v; want %v", tc.flag, got, err, tc.want)
			}
		})
	}
}

func TestScopesOverlap(t *testing.T) {
	cluster, ab, bc, cd := Scope{}, Scope{[]string{"a", "b"}}, Scope{[]string{"b", "c"}}, Scope{[]string{"c", "d"}}
	for _, tc := range []struct {
		name string
		s, o Scope
		want string
	}{
		{"two cluster-wide installations share every namespace", cluster, cluster, "every namespace"},
		{"a cluster-wide one shares all of a namespaced one's", cluster, ab, "a, b"},
		{"and the other way round", ab, cluster, "a, b"},
		{"namespaced ones share the namespaces in both", ab, bc, "b"},
		{"disjoint ones share nothing", ab, cd, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Overlap(tc.o); got != tc.want {
				t.Errorf("%v overlaps %v on %q, want %q", tc.s, tc.o, got, tc.want)
			}
		})
	}
}

func TestTheScopeAnnotationReadsBack(t *testing.T) {
	for _, s := range []Scope{{}, {Namespaces: []string{"video"}}, {Namespaces: []string{"a", "b"}}} {
		back, err := scopeOfAnnotation(s.annotation())
		if err != nil || !back.Equal(s) {
			t.Errorf("%v written as %q reads back as %v, %v", s, s.annotation(), back, err)
		}
	}
}

func TestAClaimWithAnUnreadableScopeCountsAsTheWholeCluster(t *testing.T) {
	for _, value := range []string{"", "Not A Namespace"} {
		lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{ScopeAnnotation: value}}}
		if c := claimOf(lease); !c.scope.Cluster() {
			t.Errorf("scope annotation %q reads as %v, want the whole cluster", value, c.scope)
		}
	}
}

func TestClaims(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	claimed := func(holder string, renewedAgo time.Duration) claim {
		return claimOf(&coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To(holder),
			RenewTime:            ptr.To(metav1.NewMicroTime(now.Add(-renewedAgo))),
			LeaseDurationSeconds: ptr.To(int32(40)),
		}})
	}
	if !claimed("pod-1", 39*time.Second).activeAt(now) {
		t.Error("a claim renewed 39 s ago, valid for 40 s, is not active")
	}
	if claimed("pod-1", 40*time.Second).activeAt(now) {
		t.Error("a claim renewed 40 s ago, valid for 40 s, is still active")
	}
	if claimed("", time.Second).activeAt(now) {
		t.Error("a claim without holder (an installation standing back) is active")
	}

	at := func(ns string, since time.Time) claim {
		return claim{key: types.NamespacedName{Namespace: ns, Name: LeaseName}, since: since}
	}
	early, late, sameAsLate := at("z", now), at("a", now.Add(time.Second)), at("b", now.Add(time.Second))
	if !early.precedes(late) || late.precedes(early) {
		t.Error("the claim active first does not precede the later one")
	}
	if !late.precedes(sameAsLate) || sameAsLate.precedes(late) {
		t.Error("of two claims active at the same instant, exactly one must precede: the first by name")
	}
	if got := earliest([]claim{late, sameAsLate, early}); got == nil || got.key != early.key {
		t.Errorf("earliest = %v, want %v", got, early.key)
	}
	if earliest(nil) != nil {
		t.Error("earliest of no claims is not nil")
	}
}
