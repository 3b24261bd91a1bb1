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

// Package installation keeps two installations of the operator from reconciling the same
// platforms. Each installation (one release, in its own namespace) claims its scope, the
// namespaces it watches or the whole cluster, with a Lease in its namespace; an installation
// whose scope overlaps one that is already active does not reconcile, and says so (readiness,
// log, Event), until the other is gone.
package installation

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Scope is what one installation reconciles: the platforms of every namespace (the cluster) or
// only those of the listed namespaces.
type Scope struct {
	// Namespaces are the watched namespaces, sorted and unique; empty is the whole cluster.
	Namespaces []string
}

// ParseScope reads the --watch-namespaces flag: namespace names separated by commas; empty is
// the whole cluster.
func ParseScope(list string) (Scope, error) {
	if strings.TrimSpace(list) == "" {
		return Scope{}, nil
	}
	var names []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if problems := validation.IsDNS1123Label(name); len(problems) > 0 {
			return Scope{}, fmt.Errorf("%q is not a namespace name: %s", name, strings.Join(problems, "; "))
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return Scope{Namespaces: slices.Compact(names)}, nil
}

// Cluster says whether the scope is every namespace.
func (s Scope) Cluster() bool { return len(s.Namespaces) == 0 }

// String is the scope as log lines and Events name it.
func (s Scope) String() string {
	if s.Cluster() {
		return "the whole cluster"
	}
	return "namespaces " + strings.Join(s.Namespaces, ", ")
}

// Overlap says which namespaces two scopes share, in words for a message; empty: none.
func (s Scope) Overlap(o Scope) string {
	switch {
	case s.Cluster() && o.Cluster():
		return "every namespace"
	case s.Cluster():
		return strings.Join(o.Namespaces, ", ")
	case o.Cluster():
		return strings.Join(s.Namespaces, ", ")
	}
	var shared []string
	for _, ns := range s.Namespaces {
		if slices.Contains(o.Namespaces, ns) {
			shared = append(shared, ns)
		}
	}
	return strings.Join(shared, ", ")
}

// Equal says whether two scopes are the same.
func (s Scope) Equal(o Scope) bool { return slices.Equal(s.Namespaces, o.Namespaces) }

// wholeCluster is the annotation value of the cluster scope: "*" cannot be a namespace name.
const wholeCluster = "*"

// annotation is the scope as the claim's Lease records it.
func (s Scope) annotation() string {
	if s.Cluster() {
		return wholeCluster
	}
	return strings.Join(s.Namespaces, ",")
}

// scopeOfAnnotation reads what annotation wrote.
func scopeOfAnnotation(value string) (Scope, error) {
	if value == wholeCluster {
		return Scope{}, nil
	}
	if value == "" {
		return Scope{}, fmt.Errorf("no scope recorded")
	}
	return ParseScope(value)
}

// serviceAccountNamespace is where Kubernetes tells a pod its namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// fallbackNamespace holds the claim of an operator run outside a pod without a namespace
// given, as `make run` does: it always exists, and such an operator then stands back for an
// installation that is already active, as it should.
const fallbackNamespace = "default"

// Namespace is the installation's namespace: the one given (--leader-election-namespace), else
// the pod's, else fallbackNamespace. The second result says which, for the log.
func Namespace(given string) (namespace, source string) {
	if given != "" {
		return given, "flag --leader-election-namespace"
	}
	if data, err := os.ReadFile(serviceAccountNamespace); err == nil && strings.TrimSpace(string(data)) != "" {
		return strings.TrimSpace(string(data)), "the pod's namespace"
	}
	return fallbackNamespace, "not in a pod and no --leader-election-namespace"
}
