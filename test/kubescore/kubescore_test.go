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

// Package kubescore runs kube-score, the linter many platform teams run on their manifests, on
// the objects the operator renders for the sample platforms (config/samples). It needs
// bin/kube-score (`make kube-score`, a prerequisite of `make test`) or $KUBE_SCORE; it fails,
// never skips, when the binary is missing.
package kubescore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// kubeVersion is the version of the control plane the tests run (hack/build-controlplane.sh):
// kube-score judges API versions against it.
const kubeVersion = "v1.36"

// samples are the platforms users copy, relative to the repository.
var samples = []string{
	filepath.Join("config", "samples", "meetwarden_v1alpha1_meetingplatform.yaml"),
	filepath.Join("config", "samples", "gateway", "meetingplatform.yaml"),
}

// exception is one entry of exceptions.yaml.
type exception struct {
	Check   string `json:"check"`
	Finding string `json:"finding"`
	Flag    string `json:"flag"`
	Why     string `json:"why"`
}

// finding is one CRITICAL result of kube-score.
type finding struct{ object, check, summary string }

func (f finding) String() string { return f.object + ": " + f.check + ": " + f.summary }

func TestTheSamplePlatformsHaveNoCriticalKubeScoreFinding(t *testing.T) {
	manifest := renderSamples(t)
	exceptions := readExceptions(t)
	var flags []string
	for _, e := range exceptions {
		flags = append(flags, e.Flag)
	}
	for _, f := range criticalFindings(t, manifest, flags) {
		t.Errorf("CRITICAL %s (fix it, or argue an exception in exceptions.yaml)", f)
	}
	for i, e := range exceptions {
		t.Run("the exception for "+e.Check+" is still needed", func(t *testing.T) {
			if strings.TrimSpace(e.Why) == "" {
				t.Errorf("%s has no reason", e.Check)
			}
			others := slices.Delete(slices.Clone(flags), i, i+1)
			found := slices.ContainsFunc(criticalFindings(t, manifest, others), func(f finding) bool {
				return f.check == e.Check && strings.Contains(f.summary, e.Finding)
			})
			if !found {
				t.Errorf("without %s kube-score reports no CRITICAL %q of %s: remove the exception", e.Flag, e.Finding, e.Check)
			}
		})
	}
}

// renderSamples writes every object the operator renders for the samples into one manifest.
func renderSamples(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	for i, path := range samples {
		raw, err := os.ReadFile(filepath.Join("..", "..", path))
		if err != nil {
			t.Fatal(err)
		}
		mp := &v1alpha1.MeetingPlatform{}
		if err := yaml.UnmarshalStrict(raw, mp); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		mp.Namespace = fmt.Sprintf("sample-%d", i)
		objs, err := render.Objects(settings.Defaulted(mp))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, obj := range objs {
			doc, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			out.WriteString("---\n")
			out.Write(doc)
		}
	}
	file := filepath.Join(t.TempDir(), "rendered.yaml")
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func readExceptions(t *testing.T) []exception {
	t.Helper()
	raw, err := os.ReadFile("exceptions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []exception
	if err := yaml.UnmarshalStrict(raw, &out); err != nil {
		t.Fatalf("exceptions.yaml: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("exceptions.yaml lists no exception")
	}
	return out
}

// kubeScore's JSON output (format v2): the objects, each with its checks.
type scoredObject struct {
	ObjectName string `json:"object_name"`
	Checks     []struct {
		Check struct {
			ID string `json:"id"`
		} `json:"check"`
		Grade    int  `json:"grade"`
		Skipped  bool `json:"skipped"`
		Comments []struct {
			Path    string `json:"path"`
			Summary string `json:"summary"`
		} `json:"comments"`
	} `json:"checks"`
}

// gradeCritical is kube-score's grade of a CRITICAL result (scorecard.GradeCritical).
const gradeCritical = 1

// criticalFindings runs kube-score on the manifest with the flags.
func criticalFindings(t *testing.T, manifest string, flags []string) []finding {
	t.Helper()
	args := append([]string{"score", "--output-format", "json", "--kubernetes-version", kubeVersion}, flags...)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kubeScoreBinary(t), append(args, manifest)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// kube-score exits 1 when it has a CRITICAL finding; the JSON says which.
	var exit *exec.ExitError
	if err := cmd.Run(); err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		t.Fatalf("kube-score %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	var scored []scoredObject
	if err := json.Unmarshal(stdout.Bytes(), &scored); err != nil {
		t.Fatalf("kube-score's output: %v: %s", err, stdout.String())
	}
	if len(scored) == 0 {
		t.Fatal("kube-score scored no object")
	}
	var out []finding
	for _, o := range scored {
		for _, c := range o.Checks {
			if c.Skipped || c.Grade != gradeCritical {
				continue
			}
			for _, comment := range c.Comments {
				out = append(out, finding{object: o.ObjectName + " " + comment.Path, check: c.Check.ID, summary: comment.Summary})
			}
		}
	}
	return out
}

// kubeScoreBinary is $KUBE_SCORE or bin/kube-score, which `make kube-score` builds.
func kubeScoreBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("KUBE_SCORE")
	if bin == "" {
		bin = filepath.Join("..", "..", "bin", "kube-score")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("kube-score not found at %s (run `make kube-score`, which `make test` does first): %v", bin, err)
	}
	return bin
}
