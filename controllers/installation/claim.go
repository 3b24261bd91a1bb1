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
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/types"
)

// claim is what one installation's Lease says.
type claim struct {
	key   types.NamespacedName
	scope Scope
	// holder is the process that reconciles for the installation; empty while it stands back.
	holder string
	// since is when the installation became active.
	since    time.Time
	renewed  time.Time
	validity time.Duration
}

// claimOf reads a Lease. A scope that cannot be read counts as the whole cluster: an
// installation whose scope is unknown may overlap any other.
func claimOf(lease *coordinationv1.Lease) claim {
	c := claim{key: types.NamespacedName{Namespace: lease.Namespace, Name: lease.Name}}
	c.scope, _ = scopeOfAnnotation(lease.Annotations[ScopeAnnotation])
	if h := lease.Spec.HolderIdentity; h != nil {
		c.holder = *h
	}
	if t := lease.Spec.AcquireTime; t != nil {
		c.since = t.Time
	}
	if t := lease.Spec.RenewTime; t != nil {
		c.renewed = t.Time
	}
	if d := lease.Spec.LeaseDurationSeconds; d != nil {
		c.validity = time.Duration(*d) * time.Second
	}
	return c
}

// activeAt says whether the installation reconciles at now: it holds the claim and renewed it
// within its validity.
func (c claim) activeAt(now time.Time) bool {
	return c.holder != "" && now.Before(c.renewed.Add(c.validity))
}

// precedes says whether c became active before o; the same instant is decided by name, so
// that two installations never both think they came first.
func (c claim) precedes(o claim) bool {
	if !c.since.Equal(o.since) {
		return c.since.Before(o.since)
	}
	return c.key.String() < o.key.String()
}

// earliest is the claim that became active first, nil for none.
func earliest(claims []claim) *claim {
	var first *claim
	for i := range claims {
		if first == nil || claims[i].precedes(*first) {
			first = &claims[i]
		}
	}
	return first
}
