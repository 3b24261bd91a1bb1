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

package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/installation"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/utils"
)

// Installations of the operator are wired as cmd/main.go wires them, with short claim timing:
// renewed every 200 ms, lapsed after 2 s (the Lease counts whole seconds).
const (
	testClaimPeriod   = 200 * time.Millisecond
	testClaimValidity = 2 * time.Second
)

// runningInstallation is one installation's operator: manager, reconciler and guard.
type runningInstallation struct {
	guard  *installation.Guard
	writes *utils.WriteCounter
	cancel context.CancelFunc
	done   chan struct{}
	err    error // what the manager returned, once done is closed
}

// startInstallation starts an operator whose installation lives in namespace and reconciles
// the platforms of watch (none: every namespace).
func startInstallation(t *testing.T, namespace string, watch ...string) *runningInstallation {
	t.Helper()
	scope, err := installation.ParseScope(strings.Join(watch, ","))
	if err != nil {
		t.Fatal(err)
	}
	writes := &utils.WriteCounter{}
	mgr := newTestManager(t, writes.Wrap(testConfig), nil, scope.Namespaces...)
	r, err := NewMeetingPlatformReconciler(mgr)
	if err != nil {
		t.Fatal(err)
	}
	r.WatchNamespaces = scope.Namespaces
	guard, err := installation.New(mgr, namespace, scope)
	if err != nil {
		t.Fatal(err)
	}
	guard.Period, guard.Validity = testClaimPeriod, testClaimValidity
	if err := mgr.Add(guard); err != nil {
		t.Fatal(err)
	}
	if err := r.SetupWithManager(guard.Gate(mgr)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ri := &runningInstallation{guard: guard, writes: writes, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(ri.done)
		ri.err = mgr.Start(ctx)
	}()
	t.Cleanup(ri.stop)
	return ri
}

func (ri *runningInstallation) stop() {
	ri.cancel()
	<-ri.done
}

// ready checks that the installation reconciles and its readiness check passes.
func (ri *runningInstallation) ready() error {
	err := ri.guard.Ready(nil)
	if err == nil && !ri.guard.Reconciling() {
		err = errors.New("the installation does not reconcile yet")
	}
	return err
}

// standsBackFor checks that the installation is not ready because of the claim in namespace other.
func (ri *runningInstallation) standsBackFor(other string) func() error {
	return func() error {
		err := ri.ready()
		if err == nil {
			return errors.New("the installation is ready: it reconciles")
		}
		if !strings.Contains(err.Error(), other+"/"+installation.LeaseName) {
			return fmt.Errorf("not ready, but not because of %s: %w", other, err)
		}
		return nil
	}
}

// wroteIn lists the writes of an installation to objects of namespace ns.
func (ri *runningInstallation) wroteIn(ns string) []string {
	var out []string
	for _, w := range ri.writes.Writes() {
		if strings.Contains(w, "/namespaces/"+ns+"/") {
			out = append(out, w)
		}
	}
	return out
}

// overlapEvent checks for the InstallationOverlap Event on the claim in ns that names other.
func overlapEvent(ns, other string) func() error {
	return func() error {
		var list eventsv1.EventList
		if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range list.Items {
			if e.Reason == v1alpha1.EventInstallationOverlap && e.Regarding.Kind == "Lease" &&
				e.Regarding.Name == installation.LeaseName && strings.Contains(e.Note, other+"/"+installation.LeaseName) {
				return nil
			}
		}
		return fmt.Errorf("no %s Event in %s naming %s among %d Events", v1alpha1.EventInstallationOverlap, ns, other, len(list.Items))
	}
}

// unreconciled checks that nobody has touched the platform: no status, no children.
func unreconciled(mp *v1alpha1.MeetingPlatform) func() error {
	return func() error {
		live := getPlatformOrNil(mp)
		if live == nil {
			return errors.New("the platform is gone")
		}
		if len(live.Status.Conditions) > 0 {
			return fmt.Errorf("the platform has conditions: %v", live.Status.Conditions)
		}
		var cms corev1.ConfigMapList
		if err := k8s.List(context.Background(), &cms, client.InNamespace(mp.Namespace),
			client.MatchingLabels{settings.LabelInstance: mp.Name}); err != nil {
			return err
		}
		if len(cms.Items) > 0 {
			return fmt.Errorf("%d ConfigMaps of the platform exist", len(cms.Items))
		}
		return nil
	}
}

func getPlatformOrNil(mp *v1alpha1.MeetingPlatform) *v1alpha1.MeetingPlatform {
	live := &v1alpha1.MeetingPlatform{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), live); err != nil {
		return nil
	}
	return live
}

// createPlatformIn creates the sample platform with its Secrets in ns, without waiting.
func createPlatformIn(t *testing.T, ns string) *v1alpha1.MeetingPlatform {
	t.Helper()
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	return mp
}

func TestASecondClusterWideInstallationStandsBackUntilTheFirstIsGone(t *testing.T) {
	ensureEUNode(t)
	first, second, platforms := newNamespace(t), newNamespace(t), newNamespace(t)

	a := startInstallation(t, first)
	eventually(t, "the first installation reconciles", a.ready)
	b := startInstallation(t, second)
	eventually(t, "the second installation stands back", b.standsBackFor(first))
	eventually(t, "an Event on the second's claim names the first", overlapEvent(second, first))

	mp := createPlatformIn(t, platforms)
	eventually(t, "the first installation deploys the platform", func() error { return childrenExist(mp) })

	// A restart of the first, within the validity of its claim, keeps its precedence.
	a.stop()
	a = startInstallation(t, first)
	eventually(t, "the restarted first installation reconciles", a.ready)
	consistently(t, "the second stays back while the first runs", 2*testClaimValidity, b.standsBackFor(first))
	if w := b.wroteIn(platforms); len(w) > 0 {
		t.Fatalf("the installation that stands back wrote to the platform's namespace: %v", w)
	}

	// Gone for good: once its claim lapses, the second takes over and reconciles.
	a.stop()
	eventually(t, "the second installation reconciles after the first's claim lapsed", b.ready)
	web := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: platforms, Name: settings.Name(mp, "web-config")}
	if err := k8s.Get(context.Background(), key, web); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Delete(context.Background(), web); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the second installation restores the deleted ConfigMap", func() error {
		return k8s.Get(context.Background(), key, &corev1.ConfigMap{})
	})
	if len(b.wroteIn(platforms)) == 0 {
		t.Error("the ConfigMap came back, but not through the second installation")
	}
}

func TestInstallationsWithDisjointNamespacesReconcileTheirOwnAndNothingElse(t *testing.T) {
	ensureEUNode(t)
	first, second, third := newNamespace(t), newNamespace(t), newNamespace(t)
	videoA, videoB, elsewhere, videoC := newNamespace(t), newNamespace(t), newNamespace(t), newNamespace(t)

	a := startInstallation(t, first, videoA)
	b := startInstallation(t, second, videoB)
	eventually(t, "the installation of "+videoA+" reconciles", a.ready)
	eventually(t, "the installation of "+videoB+" reconciles", b.ready)

	inA, inB, outside := createPlatformIn(t, videoA), createPlatformIn(t, videoB), createPlatformIn(t, elsewhere)
	eventually(t, "the platform in "+videoA+" is deployed", func() error { return childrenExist(inA) })
	eventually(t, "the platform in "+videoB+" is deployed", func() error { return childrenExist(inB) })
	consistently(t, "the platform outside every watched namespace is left alone", 3*time.Second, unreconciled(outside))
	if w := a.wroteIn(videoB); len(w) > 0 {
		t.Errorf("the installation of %s wrote into %s: %v", videoA, videoB, w)
	}

	// A third that shares one namespace with the second stands back, whole.
	c := startInstallation(t, third, videoB, videoC)
	eventually(t, "the overlapping third installation stands back", c.standsBackFor(second))
	if err := c.ready(); !strings.Contains(err.Error(), "on "+videoB) {
		t.Errorf("the reason does not name the shared namespace %s: %v", videoB, err)
	}
}

func TestAnInstallationThatFindsAnEarlierActiveClaimStops(t *testing.T) {
	first, other := newNamespace(t), newNamespace(t)
	a := startInstallation(t, first)
	eventually(t, "the installation reconciles", a.ready)

	// Another installation, active since a minute ago, that this one did not see when it
	// claimed (they claimed at the same moment).
	startRival(t, other, time.Now().Add(-time.Minute))
	a.stopsNaming(t, other, "the installation still runs beside an overlapping one that became active before it")
}

func TestAnInstallationWhoseClaimLapsedStopsWhenAnotherTookItsPlace(t *testing.T) {
	first, other := newNamespace(t), newNamespace(t)
	a := startInstallation(t, first)
	eventually(t, "the installation reconciles", a.ready)

	// Another installation became active later: the first came first and stays.
	startRival(t, other, time.Now())
	consistently(t, "the installation that came first goes on", 2*testClaimValidity, a.ready)

	// The first's claim is gone, as if it lapsed while the first could not renew it: the other
	// is now the active one, and the first, still reconciling, must stop.
	if err := k8s.Delete(context.Background(), &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{
		Namespace: first, Name: installation.LeaseName}}); err != nil {
		t.Fatal(err)
	}
	a.stopsNaming(t, other, "the installation still reconciles while another holds the active claim")
}

func TestALapsedClaimBlocksNoOne(t *testing.T) {
	gone, fresh := newNamespace(t), newNamespace(t)
	lease := rivalClaim(gone, metav1.NewMicroTime(time.Now().Add(-time.Hour)))
	lease.Spec.RenewTime = ptr.To(metav1.NewMicroTime(time.Now().Add(-time.Hour)))
	if err := k8s.Create(context.Background(), lease); err != nil {
		t.Fatal(err)
	}
	a := startInstallation(t, fresh)
	eventually(t, "the installation reconciles beside a claim that lapsed an hour ago", a.ready)
}

// rivalClaim is the Lease of an installation in ns that reconciles the whole cluster since since.
func rivalClaim(ns string, since metav1.MicroTime) *coordinationv1.Lease {
	now := metav1.NewMicroTime(time.Now())
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: installation.LeaseName,
			Labels:      map[string]string{settings.LabelName: "meetwarden", settings.LabelComponent: "installation"},
			Annotations: map[string]string{installation.ScopeAnnotation: "*"}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("rival"), AcquireTime: &since, RenewTime: &now,
			LeaseDurationSeconds: ptr.To(int32(testClaimValidity / time.Second))},
	}
}

// startRival claims the whole cluster for an installation in ns, active since since, and
// renews the claim until the test ends.
func startRival(t *testing.T, ns string, since time.Time) {
	t.Helper()
	lease := rivalClaim(ns, metav1.NewMicroTime(since))
	if err := k8s.Create(context.Background(), lease); err != nil {
		t.Fatal(err)
	}
	renewing, stopRenewing := context.WithCancel(context.Background())
	t.Cleanup(stopRenewing)
	go renewClaim(renewing, lease)
}

// stopsNaming checks that the installation's manager stops, with an error naming the claim in
// namespace other; failing says why it should have.
func (ri *runningInstallation) stopsNaming(t *testing.T, other, failing string) {
	t.Helper()
	select {
	case <-ri.done:
	case <-time.After(waitTimeout):
		t.Fatal(failing)
	}
	if ri.err == nil || !strings.Contains(ri.err.Error(), other+"/"+installation.LeaseName) {
		t.Errorf("the manager stopped with %v, want an error naming %s", ri.err, other)
	}
}

// renewClaim renews a Lease as its installation would, until ctx ends.
func renewClaim(ctx context.Context, lease *coordinationv1.Lease) {
	for ctx.Err() == nil {
		live := &coordinationv1.Lease{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(lease), live); err == nil {
			live.Spec.RenewTime = ptr.To(metav1.NewMicroTime(time.Now()))
			_ = k8s.Update(ctx, live)
		}
		time.Sleep(testClaimPeriod)
	}
}
