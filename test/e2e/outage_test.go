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
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// apiServerOutage is long enough for client-go's backoff alone to let drift stand for seconds
// after the API server is back (make bench measures the 20 s outage of the issue).
const apiServerOutage = 10 * time.Second

// Not parallel: it stops the cluster's API server. Go runs it with the fault tests, before any
// parallel scenario starts.
func TestDriftRightAfterAnAPIServerRestartIsRevertedWithinSeconds(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	op := getMainOperator()
	if op == nil {
		t.Fatal("the suite's operator is not running")
	}
	ns := createNamespace(t, "e2e-outage")
	mp := createPlatform(t, newPlatform(ns, "meet"))
	waitReady(t, keyOf(mp), 2*time.Minute)
	web := client.ObjectKey{Namespace: ns, Name: mp.Name + "-web"}

	if out, err := clusterScript("stop", "kube-apiserver"); err != nil {
		t.Fatalf("stopping kube-apiserver: %v\n%s", err, out)
	}
	stopped := time.Now()
	var restartErr error
	restarted := make(chan struct{})
	t.Cleanup(func() { <-restarted }) // never leave the suite without its API server
	time.AfterFunc(apiServerOutage, func() {
		defer close(restarted)
		if out, err := clusterScript("up"); err != nil {
			restartErr = fmt.Errorf("%w\n%s", err, out)
		}
	})
	// The metric that says so is checked in envtest; this operator serves no metrics.
	waitFor(t, apiServerOutage, "the operator to report its cache degraded", func() error { return logSays(op, degradedLine) })
	t.Logf("the operator reported its cache degraded %s after the API server stopped", time.Since(stopped).Round(100*time.Millisecond))

	// The drift is made as soon as the API server answers again, before `up` has finished.
	waitFor(t, apiServerOutage+2*time.Minute, "the API server to answer again", func() error {
		_, err := kubectl(ctx, "get", "--raw=/readyz")
		return err
	})
	back := time.Now()
	t.Logf("the API server answers again %s after it stopped", back.Sub(stopped).Round(100*time.Millisecond))
	if out, err := kubectl(ctx, "-n", ns, "set", "env", "deployment/"+web.Name, "AMPLITUDE_ID=x"); err != nil {
		t.Fatalf("kubectl set env: %v\n%s", err, out)
	}
	latency := waitFor(t, time.Minute, "the drift to be reverted", func() error {
		d := &appsv1.Deployment{}
		if err := k8s.Get(ctx, web, d); err != nil {
			return err
		}
		if _, set := envOf(d, "web", "AMPLITUDE_ID"); set {
			return fmt.Errorf("%s still has AMPLITUDE_ID", web.Name)
		}
		return nil
	})
	recordMeasurement("revert after a 10 s API-server outage", "drift made as the API server answers -> reverted", latency)
	t.Logf("reverted %s after the drift, %s after the API server answered again", latency.Round(10*time.Millisecond),
		time.Since(back).Round(10*time.Millisecond))
	if latency > revertBudget {
		t.Errorf("the revert took %s, more than %s", latency.Round(10*time.Millisecond), revertBudget)
	}
	<-restarted
	if restartErr != nil {
		t.Fatalf("hack/cluster.sh up after the outage: %v", restartErr)
	}
	t.Logf("hack/cluster.sh up returned %s after the API server answered again", time.Since(back).Round(100*time.Millisecond))
	waitFor(t, 30*time.Second, "the degraded window to close", func() error { return logSays(op, reconnectedLine) })
	// Compliant, not Ready: the drift and its revert each rolled the web pods, which kwok takes
	// seconds to start.
	waitPlatform(t, keyOf(mp), time.Minute, "Compliant again", func(mp *v1alpha1.MeetingPlatform) error {
		return conditionIs(mp, v1alpha1.ConditionCompliant, metav1.ConditionTrue)
	})
}

// The operator's log lines (controllers/watchhealth.go) at the start and the end of a degraded window.
const (
	degradedLine    = "the API server cannot be reached"
	reconnectedLine = "the watches are connected again"
)

func logSays(op *operatorProcess, line string) error {
	if !logContains(op.logPath, line) {
		return fmt.Errorf("the log %s does not say %q", op.logPath, line)
	}
	return nil
}
