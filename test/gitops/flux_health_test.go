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

package gitops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// healthCheckExprs is one entry of a Flux Kustomization's spec.healthCheckExprs.
type healthCheckExprs struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	InProgress string `json:"inProgress,omitempty"`
	Failed     string `json:"failed,omitempty"`
	Current    string `json:"current"`
}

func fluxExprs(t *testing.T) healthCheckExprs {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "flux", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Spec struct {
			HealthCheckExprs []healthCheckExprs `json:"healthCheckExprs"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Spec.HealthCheckExprs) != 1 || k.Spec.HealthCheckExprs[0].Kind != "MeetingPlatform" ||
		k.Spec.HealthCheckExprs[0].APIVersion != "meetwarden.io/v1alpha1" {
		t.Fatalf("want one healthCheckExprs entry for meetwarden.io/v1alpha1 MeetingPlatform, got %+v", k.Spec.HealthCheckExprs)
	}
	return k.Spec.HealthCheckExprs[0]
}

// The documented CEL health checks, evaluated the way Flux's kustomize-controller does
// (fluxcd/pkg runtime/cel): the expressions are parsed, not type-checked, in the same CEL
// environment, the object's top-level fields are the variables, a differing observedGeneration
// is InProgress before any expression runs, then inProgress, failed and current are tried in
// that order, and InProgress is the fallback.
func TestFluxHealthCheckExprs(t *testing.T) {
	exprs := fluxExprs(t)
	for _, tc := range []struct {
		name, object, want string
	}{
		{"a ready platform is Current", platform(2, 2,
			cond("Ready", "True", 2, "Ready", "ready"), cond("Stalled", "False", 2, "Realisable", ""),
			cond("Compliant", "True", 2, "AllControlsPass", "")), "Current"},
		{"a stalled platform is Failed", platform(1, 1,
			cond("Ready", "False", 1, "SecretMissing", "waiting"), cond("Stalled", "True", 1, "SecretMissing", "waiting")), "Failed"},
		{"a non-compliant platform is Failed", platform(1, 1,
			cond("Ready", "False", 1, "NotCompliant", "1 of 25 controls fail"), cond("Compliant", "False", 1, "ControlsFail", "1 of 25 controls fail")), "Failed"},
		{"a platform whose components start is InProgress", platform(1, 1,
			cond("Ready", "False", 1, "ComponentsNotReady", "waiting for web"), cond("Reconciling", "True", 1, "ComponentsProgressing", "waiting for web")), "InProgress"},
		{"a spec not yet observed is InProgress, even if the old one was ready", platform(3, 2,
			cond("Ready", "True", 2, "Ready", "ready")), "InProgress"},
		{"a platform with a status but no conditions yet is InProgress",
			"metadata: {name: meet, generation: 1}\nstatus: {observedGeneration: 1, url: https://meet.example.eu}", "InProgress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.object), &obj); err != nil {
				t.Fatal(err)
			}
			got, err := fluxEvaluate(exprs, obj)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestGitopsDocShowsTheTestedExprs keeps the snippet in docs/gitops.md identical to the tested file.
func TestGitopsDocShowsTheTestedExprs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "gitops.md"))
	if err != nil {
		t.Fatal(err)
	}
	var snippet string
	for _, block := range strings.Split(string(doc), "```yaml\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if strings.Contains(block, "healthCheckExprs:") {
			snippet = block
		}
	}
	var shown struct {
		Spec struct {
			HealthCheckExprs []healthCheckExprs `json:"healthCheckExprs"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(snippet), &shown); err != nil {
		t.Fatalf("the healthCheckExprs snippet of docs/gitops.md: %v", err)
	}
	if diff := cmp.Diff([]healthCheckExprs{fluxExprs(t)}, shown.Spec.HealthCheckExprs); diff != "" {
		t.Errorf("docs/gitops.md differs from docs/flux/kustomization.yaml (-file +doc):\n%s", diff)
	}
}

func fluxEvaluate(exprs healthCheckExprs, obj map[string]any) (string, error) {
	if status, ok := obj["status"].(map[string]any); ok {
		if observed, ok := status["observedGeneration"]; ok && observed != obj["metadata"].(map[string]any)["generation"] {
			return "InProgress", nil
		}
	}
	for _, e := range []struct{ expr, result string }{
		{exprs.InProgress, "InProgress"}, {exprs.Failed, "Failed"}, {exprs.Current, "Current"},
	} {
		if e.expr == "" {
			continue
		}
		env, err := cel.NewEnv(cel.HomogeneousAggregateLiterals(), cel.EagerlyValidateDeclarations(true),
			cel.DefaultUTCTimeZone(true), cel.CrossTypeNumericComparisons(true), cel.OptionalTypes(),
			ext.Strings(), ext.Sets(), ext.Encoders())
		if err != nil {
			return "", err
		}
		ast, issues := env.Parse(e.expr)
		if issues != nil && issues.Err() != nil {
			return "", issues.Err()
		}
		prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			return "", err
		}
		val, _, err := prg.Eval(obj)
		if err != nil {
			return "", err
		}
		if val == types.True {
			return e.result, nil
		}
	}
	return "InProgress", nil
}
