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
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// Installations: each release of the chart claims its scope (docs/install.md, two installations).
// The suite's operator is the cluster-wide installation of leaderElectionNamespace.

// claimPeriod is how often an installation renews its claim and looks at the others'
// (controllers/installation.DefaultPeriod).
const claimPeriod = 10 * time.Second

// TestASecondInstallationStandsBackAndSaysWhy installs the chart a second time, cluster-wide,
// in another namespace, beside the suite's installation: it must not reconcile, and must say so
// where a cluster team looks (readiness, log, Event).
func TestASecondInstallationStandsBackAndSaysWhy(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 3*time.Minute)
	ns := createNamespace(t, "e2e-second-install")
	id, err := installIdentity(ctx, "second", ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { id.remove(context.Background()) })
	op, err := launchOperator(managerBin, id, "second-installation", operatorPort(40))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(op.stop)
	active := leaderElectionNamespace + "/meetwarden-installation"

	waitFor(t, time.Minute, "the second installation's log naming "+active, func() error {
		if logContains(op.logPath, "this installation does not reconcile") && logContains(op.logPath, active) {
			return nil
		}
		return errors.New("no such line yet")
	})
	waitFor(t, 30*time.Second, "an InstallationOverlap Event on the second installation's claim", func() error {
		events, err := eventsCore(ctx, ns)
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.reason == v1alpha1.EventInstallationOverlap && e.regardingKind == "Lease" && e.typ == "Warning" &&
				e.regardingName == "meetwarden-installation" && strings.Contains(e.note, active) {
				t.Logf("Event: %s", e)
				return nil
			}
		}
		return fmt.Errorf("none among %d Events: %s", len(events), summarizeEvents(events, ""))
	})

	// And it stays so through two more checks: not ready, no controller started.
	for deadline := time.Now().Add(2*claimPeriod + time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if op.exited() {
			t.Fatalf("the second installation exited (%v); it should stand back, not ready", op.exitErr)
		}
		if op.ready() {
			t.Fatal("the second installation is ready: it would reconcile beside the first")
		}
	}
	if logContains(op.logPath, "Starting workers") {
		t.Error("the second installation started the controller's workers")
	}
	claim := installationClaim(ns)
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
		t.Fatal(err)
	}
	if claim.Spec.HolderIdentity != nil && *claim.Spec.HolderIdentity != "" {
		t.Errorf("the claim of the installation that stands back has holder %q", *claim.Spec.HolderIdentity)
	}
	if got := claim.Annotations["meetwarden.io/watch-namespaces"]; got != "*" {
		t.Errorf("the claim records scope %q, want * (the whole cluster)", got)
	}
}

// TestNamespacedInstallationsReconcileOnlyTheirNamespaces runs two installations of the chart
// in namespaced mode, each for a namespace of its own and with the chart's Roles there: both
// reconcile side by side, and a platform in neither namespace is left alone. The suite's
// cluster-wide installation would overlap both, so it is stopped (and brought back at the end).
func TestNamespacedInstallationsReconcileOnlyTheirNamespaces(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	if op := getMainOperator(); op != nil {
		op.stop()
		setMainOperator(nil)
	}
	if err := handOver(ctx, leaderElectionNamespace); err != nil {
		t.Fatal(err)
	}
	var ops []*operatorProcess
	var installs []*operatorIdentity
	t.Cleanup(func() {
		for _, op := range ops {
			op.stop()
		}
		cleanup, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, id := range installs {
			if err := handOver(cleanup, id.namespace); err != nil {
				t.Errorf("handing over the claim of %s: %v", id.namespace, err)
			}
			id.remove(cleanup)
		}
		op, err := startOperator("main-after-namespaced", mainOperatorProbePort, "--leader-elect=false")
		if err != nil {
			t.Errorf("restarting the suite's operator: %v", err)
			return
		}
		setMainOperator(op)
	})

	var platforms []*v1alpha1.MeetingPlatform
	for i, team := range []string{"a", "b"} {
		watched := createNamespace(t, "e2e-team-"+team)
		home := createNamespace(t, "e2e-team-"+team+"-operator")
		id, err := installIdentity(ctx, "team-"+team, home, "watchNamespaces={"+watched+"}")
		if err != nil {
			t.Fatal(err)
		}
		installs = append(installs, id)
		op, err := startOperatorAs(id, "team-"+team, operatorPort(41+i), "--watch-namespaces="+watched)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
		platforms = append(platforms, createPlatform(t, newPlatform(watched, "meet")))
	}
	stray := createPlatform(t, newPlatform(createNamespace(t, "e2e-no-team"), "meet"))

	for _, mp := range platforms {
		waitReady(t, keyOf(mp), 5*time.Minute)
	}
	// Both installations have reconciled a platform of their own meanwhile; the one outside
	// their namespaces was never touched.
	cur, err := getPlatform(ctx, keyOf(stray))
	if err != nil {
		t.Fatal(err)
	}
	if len(cur.Status.Conditions) > 0 || cur.Status.ObservedGeneration != 0 {
		t.Errorf("the platform outside the watched namespaces has a status: %s", describeConditions(cur))
	}
	var deployments appsv1.DeploymentList
	if err := k8s.List(ctx, &deployments, client.InNamespace(stray.Namespace)); err != nil {
		t.Fatal(err)
	}
	if len(deployments.Items) > 0 {
		t.Errorf("%d Deployments in %s, where no installation reconciles", len(deployments.Items), stray.Namespace)
	}
	for _, id := range installs {
		claim := &coordinationv1.Lease{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(installationClaim(id.namespace)), claim); err != nil {
			t.Fatal(err)
		}
		if claim.Spec.HolderIdentity == nil || *claim.Spec.HolderIdentity == "" {
			t.Errorf("the claim of %s has no holder, though its installation reconciles", id.namespace)
		}
	}
}
