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

package settings

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// schemaNode is the part of an OpenAPI schema the defaults test reads.
type schemaNode struct {
	Default    any                   `json:"default"`
	Properties map[string]schemaNode `json:"properties"`
	Items      *schemaNode           `json:"items"`
}

// crdDefaults returns every default of the generated CRD's spec, by dotted path. An object's
// default (`media: {port: 30000, ...}`) is expanded into its fields; an empty object default
// only makes the object exist and declares no value of its own.
func crdDefaults(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "meetwarden.io_meetingplatforms.yaml"))
	if err != nil {
		t.Fatalf("reading the generated CRD: %v", err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema schemaNode `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil || len(crd.Spec.Versions) != 1 {
		t.Fatalf("parsing the generated CRD: %v (%d versions)", err, len(crd.Spec.Versions))
	}
	out := map[string]any{}
	var walk func(n schemaNode, path string)
	walk = func(n schemaNode, path string) {
		if obj, ok := n.Default.(map[string]any); ok {
			for k, v := range obj {
				out[path+"."+k] = v
			}
		} else if n.Default != nil {
			out[path] = n.Default
		}
		for k, child := range n.Properties {
			walk(child, path+"."+k)
		}
		if n.Items != nil {
			walk(*n.Items, path+"[]")
		}
	}
	walk(crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"], "spec")
	return out
}

// leaves flattens an object's JSON form into dotted paths.
func leaves(t *testing.T, mp *v1alpha1.MeetingPlatform) map[string]any {
	t.Helper()
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(mp)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		if m, ok := v.(map[string]any); ok {
			for k, c := range m {
				walk(c, path+"."+k)
			}
			return
		}
		out[path] = v
	}
	walk(obj["spec"], "spec")
	return out
}

// sameValue compares a CRD default (YAML: float64 for numbers) with a Go value.
func sameValue(crd, got any) bool {
	return fmt.Sprint(crd) == fmt.Sprint(got)
}

// zero reports whether a CRD default is what Go leaves out of the JSON form (omitempty).
func zero(v any) bool {
	return v == nil || reflect.ValueOf(v).IsZero()
}

// TestDefaultedWritesEveryDefaultOfTheCRD proves, in both directions, that settings.Defaulted
// writes exactly the defaults the API server applies: every default of the CRD (read from the
// generated file, so a new +kubebuilder:default marker is covered without touching this test),
// and no value the CRD does not declare.
func TestDefaultedWritesEveryDefaultOfTheCRD(t *testing.T) {
	defaults := crdDefaults(t)
	if len(defaults) < 10 {
		t.Fatalf("found only %d defaults in the CRD: %v", len(defaults), defaults)
	}
	// Every optional object whose fields have defaults, present and otherwise empty.
	skeleton := &v1alpha1.MeetingPlatform{Spec: v1alpha1.MeetingPlatformSpec{
		TLS: v1alpha1.TLSSpec{IssuerRef: &v1alpha1.IssuerReference{}},
		Access: v1alpha1.AccessSpec{JWT: &v1alpha1.JWTSpec{}, LDAP: &v1alpha1.LDAPSpec{},
			OIDC: &v1alpha1.OIDCSpec{ClientSecretRef: &v1alpha1.SecretKeyReference{}}},
		TURN: &v1alpha1.TURNSpec{Own: &v1alpha1.OwnTURNSpec{}, External: &v1alpha1.ExternalTURNSpec{}},
	}}
	before := leaves(t, skeleton)
	after := leaves(t, Defaulted(skeleton))

	var paths []string
	for p := range defaults {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, path := range paths {
		want := defaults[path]
		got, set := after[path]
		switch {
		case !set && zero(want):
			// false, "" or 0: the Go zero value is the default.
		case !set:
			t.Errorf("the CRD defaults %s to %v; Defaulted leaves it unset", path, want)
		case !sameValue(want, got):
			t.Errorf("the CRD defaults %s to %v; Defaulted writes %v", path, want, got)
		}
	}
	for path, got := range after {
		if old, was := before[path]; was && sameValue(old, got) {
			continue
		}
		if _, declared := defaults[path]; !declared {
			t.Errorf("Defaulted writes %s = %v, which the CRD does not default", path, got)
		}
	}
	t.Logf("%d defaults compared: %s", len(paths), strings.Join(paths, ", "))
}
