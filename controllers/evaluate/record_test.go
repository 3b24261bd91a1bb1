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

package evaluate

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestProcessingRecordMatchesGoldenFile(t *testing.T) {
	s := passingJWT(t)
	got := ProcessingRecord(s, Evaluate(s))
	golden := filepath.Join("testdata", "processing-record.md")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./controllers/evaluate/ -run ProcessingRecord -update)", err)
	}
	if got != string(want) {
		t.Errorf("the processing record differs from %s (rerun with -update and review the diff):\n%s", golden, got)
	}
}

func TestProcessingRecordDescribesThePlatform(t *testing.T) {
	s := passingJWT(t)
	record := ProcessingRecord(s, Evaluate(s))
	for _, want := range []string{
		"# Record of processing activities: MeetingPlatform video/meet",
		"## 1. Controller", "## 2. Purpose of the processing", "## 3. Categories of data subjects",
		"## 4. Categories of personal data", "## 5. Recipients", "## 6. Transfers to third countries",
		"## 7. Retention and erasure", "## 8. Technical and organisational measures",
		"https://example.eu/privacy", "| fsn1 | Falkenstein, DE | hetzner |", "| nbg1 | Nuremberg, DE | hetzner |",
	} {
		if !strings.Contains(record, want) {
			t.Errorf("the record lacks %q", want)
		}
	}
	for _, c := range Profile {
		if !strings.Contains(record, "| "+string(c.ID)+" | ") {
			t.Errorf("the record's measures table lacks %s", c.ID)
		}
	}
	if strings.Contains(record, "Attention") {
		t.Error("a passing platform's record carries an attention note")
	}
	for _, p := range s.Pods {
		if strings.Contains(record, p.Name) {
			t.Errorf("a passing platform's record names pod %s, which changes on every restart", p.Name)
		}
	}
}

func TestProcessingRecordFlagsFailingStatements(t *testing.T) {
	s := passingJWT(t)
	movePod(settings.Web, node("us-node-1", "us-east-1", "aws:///us-east-1a/i-0abc"))(s)
	record := ProcessingRecord(s, Evaluate(s))
	for _, want := range []string{
		"**Attention:** control EU-2 fails",
		"| us-east-1 | N. Virginia, US | aws |",
		"| EU-2 | Every running pod sits on a node inside the jurisdiction | critical | Fail | pod meet-web-7c9d8f6b5-x2k4p on node us-node-1",
	} {
		if !strings.Contains(record, want) {
			t.Errorf("the record lacks %q:\n%s", want, record)
		}
	}
}

func TestProcessingRecordEscapesTableCells(t *testing.T) {
	s := passingJWT(t)
	results := Evaluate(s)
	results[0].Message = "a | b"
	if record := ProcessingRecord(s, results); !strings.Contains(record, `a \| b`) {
		t.Error("a | in a message is not escaped in the measures table")
	}
}

func TestProcessingRecordWithoutRunningPods(t *testing.T) {
	s := passingJWT(t)
	for i := range s.Pods {
		s.Pods[i].Status.Phase = corev1.PodSucceeded
	}
	results := Evaluate(s)
	if r := resultOf(results, "EU-2"); r.Result != v1alpha1.ResultPass {
		t.Errorf("EU-2 with no running pod = %s: %s", r.Result, r.Message)
	}
	if record := ProcessingRecord(s, results); !strings.Contains(record, "no platform pod is running") {
		t.Error("the record does not say that no pod runs")
	}
}

func TestProcessingRecordSaysWhereInternalAccountsAreKept(t *testing.T) {
	s := passingJWT(t)
	s.Platform.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationInternal}
	if record := ProcessingRecord(s, Evaluate(s)); !strings.Contains(record, "lost whenever the XMPP server's pod is replaced") {
		t.Error("without a claim, the record does not say that accounts are lost with the pod")
	}
	s.Platform.Spec.Access.Internal = &v1alpha1.InternalAuthSpec{AccountsClaimName: "prosody-accounts"}
	if record := ProcessingRecord(s, Evaluate(s)); !strings.Contains(record, "on PersistentVolumeClaim `prosody-accounts`") {
		t.Error("with a claim, the record does not name it")
	}
}
