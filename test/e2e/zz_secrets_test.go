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

package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// This file sorts last on purpose: its test is declared after every other one. It runs in
// parallel but first waits for every other parallel test, so it sees the logs of everything
// the suite did (the fault tests, which are not parallel, ran before all of them).
func TestNoSecretValueEverAppearsInAnyOperatorLog(t *testing.T) {
	t.Parallel()
	parallelTests.Wait()
	defer printSummary(t.Logf, true)
	ctx := testContext(t, 2*time.Minute)

	// Every Secret value still in the cluster: the generated credentials and the JWT secrets
	// the tests created; plus those remembered from platforms deleted since.
	var secrets corev1.SecretList
	if err := k8s.List(ctx, &secrets); err != nil {
		t.Fatal(err)
	}
	credentials := 0
	for i := range secrets.Items {
		s := &secrets.Items[i]
		switch {
		case strings.HasSuffix(s.Name, "-credentials") && s.Labels[labelManagedBy] == "meetwarden":
			rememberCredentials(s)
			credentials++
		case strings.HasSuffix(s.Name, "-jwt"):
			for k, v := range s.Data {
				rememberSecret("Secret "+s.Namespace+"/"+s.Name+" key "+k, v)
			}
		}
	}
	values := rememberedSecrets()
	if len(values) == 0 {
		t.Fatal("no secret values to look for: did any platform get created?")
	}

	files := operatorLogFiles()
	if len(files) == 0 {
		t.Fatal("no operator log files in " + logDir)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		total += len(data)
		if len(data) == 0 {
			t.Errorf("operator log %s is empty: the check would prove nothing", f)
		}
		for value, where := range values {
			// As written, and base64-encoded the way a logger renders a []byte.
			for _, form := range []string{value, base64.StdEncoding.EncodeToString([]byte(value))} {
				if line := lineContaining(data, form); line != 0 {
					// Never print the value itself.
					t.Errorf("the value of %s appears in %s line %d", where, filepath.Base(f), line)
				}
			}
		}
	}
	t.Logf("looked for %d secret values (%d credentials Secrets live) in %d operator logs (%d bytes): none found",
		len(values), credentials, len(files), total)
}

func lineContaining(data []byte, s string) int {
	if !bytes.Contains(data, []byte(s)) {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), s) {
			return n
		}
	}
	return -1
}
