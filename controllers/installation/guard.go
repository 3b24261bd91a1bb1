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
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// The claim of an installation is the Lease LeaseName in its namespace, labelled so that every
// installation finds the others' with one List, and annotated with its scope. Its holder is the
// process that reconciles for the installation; a Lease without holder is an installation that
// stands back. acquireTime is when it became active: of two active installations that overlap,
// the one active first stays.
const (
	LeaseName = "meetwarden-installation"
	// ScopeAnnotation records the scope: "*" for the whole cluster, else the namespaces,
	// separated by commas.
	ScopeAnnotation = "meetwarden.io/watch-namespaces"
	// labelNameValue and labelComponentValue are the values of settings.LabelName and
	// settings.LabelComponent on a claim.
	labelNameValue      = "meetwarden"
	labelComponentValue = "installation"
)

// Claim timing. An installation renews its claim every DefaultPeriod; a claim not renewed for
// DefaultValidity has lapsed, so a stopped installation holds its scope that long. That is on
// purpose: a rollout replaces the operator's pod within seconds, and in that gap the scope must
// not pass to another installation. The same margin covers clocks that differ between nodes:
// each installation judges the others' renewal times by its own clock.
const (
	DefaultPeriod   = 10 * time.Second
	DefaultValidity = 40 * time.Second
)

// Guard claims the installation's scope and decides whether this installation reconciles. It
// is a leader-election runnable: only the elected replica claims. Gate holds the controller
// until the guard lets it run; Ready is the readiness check that says why it does not.
type Guard struct {
	// Client reads and writes Leases past any cache: the manager's cache holds none.
	Client   client.Client
	Recorder events.EventRecorder
	// Key is this installation's claim; Scope what it reconciles.
	Key   types.NamespacedName
	Scope Scope
	// Identity names this process as holder of the claim.
	Identity string
	// Period and Validity: see DefaultPeriod and DefaultValidity. Now is the clock.
	Period, Validity time.Duration
	Now              func() time.Time

	// gate is closed once this installation may reconcile (New makes it).
	gate     chan struct{}
	gateOnce sync.Once
	// state is the readiness verdict; nil until Start (a standby replica has none).
	state atomic.Pointer[readiness]
	// reported is the last stand-back message logged and sent as an Event, so that each is
	// told once, not every Period.
	reported string
}

type readiness struct{ err error }

// New returns the guard of the installation in namespace with scope, for mgr.
func New(mgr manager.Manager, namespace string, scope Scope) (*Guard, error) {
	c, err := client.New(mgr.GetConfig(), client.Options{Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(), HTTPClient: mgr.GetHTTPClient()})
	if err != nil {
		return nil, fmt.Errorf("creating the client of the installation guard: %w", err)
	}
	return &Guard{
		Client:   c,
		Recorder: mgr.GetEventRecorder("meetwarden"),
		Key:      types.NamespacedName{Namespace: namespace, Name: LeaseName},
		Scope:    scope,
		Identity: identity(),
		Period:   DefaultPeriod,
		Validity: DefaultValidity,
		Now:      time.Now,
		gate:     make(chan struct{}),
	}, nil
}

// identity is the host name (a pod's name) with a random suffix, as client-go's leader election
// names its holders.
func identity() string {
	host, _ := os.Hostname()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return host + "_" + hex.EncodeToString(suffix)
}

// NeedLeaderElection: only the replica that leads claims and reconciles.
func (g *Guard) NeedLeaderElection() bool { return true }

// Start claims and checks every Period until ctx ends. It returns an error only when this
// installation reconciles and finds that an overlapping one became active before it: the
// manager then stops, and the restarted process stands back.
func (g *Guard) Start(ctx context.Context) error {
	g.state.Store(&readiness{errors.New("checking whether another installation overlaps this one")})
	ticker := time.NewTicker(g.Period)
	defer ticker.Stop()
	for {
		if err := g.check(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			// The claim is kept, not released: see DefaultValidity.
			return nil
		case <-ticker.C:
		}
	}
}

// Ready is a readiness check (healthz.Checker): it fails while this installation stands back,
// with the reason.
func (g *Guard) Ready(*http.Request) error {
	if s := g.state.Load(); s != nil {
		return s.err
	}
	return nil
}

// check renews the claim, reads the others' and acts on them.
func (g *Guard) check(ctx context.Context) error {
	lease, rivals, err := g.survey(ctx)
	if err == nil && !claimOf(lease).activeAt(g.Now()) && len(rivals) == 0 {
		// Claim first, look again second: of two installations that claim at the same moment,
		// the one that looks last sees the other, and the later of them stands back.
		g.fill(lease, true)
		if err = g.Client.Update(ctx, lease); err == nil {
			rivals, err = g.rivalsOf(ctx, claimOf(lease))
		}
	}
	if err != nil {
		g.unverified(ctx, err)
		return nil
	}
	return g.act(ctx, lease, rivals)
}

// survey renews this installation's claim and returns it with the active claims that overlap it.
func (g *Guard) survey(ctx context.Context) (*coordinationv1.Lease, []claim, error) {
	lease, err := g.renew(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("renewing this installation's claim %s: %w", g.Key, err)
	}
	rivals, err := g.rivalsOf(ctx, claimOf(lease))
	return lease, rivals, err
}

// renew writes the claim with a fresh renewal time. A claim that is still active, for the same
// scope, continues (a new leader or a restarted process of the same installation); anything
// else starts out standing back.
func (g *Guard) renew(ctx context.Context) (*coordinationv1.Lease, error) {
	lease := &coordinationv1.Lease{}
	err := g.Client.Get(ctx, g.Key, lease)
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: g.Key.Namespace, Name: g.Key.Name}}
		g.fill(lease, false)
		return lease, g.Client.Create(ctx, lease)
	}
	if err != nil {
		return nil, err
	}
	previous := claimOf(lease)
	g.fill(lease, previous.activeAt(g.Now()) && previous.scope.Equal(g.Scope))
	return lease, g.Client.Update(ctx, lease)
}

// fill writes this installation's claim into lease: active keeps the time it became active (or
// starts it now); standing back clears holder and time.
func (g *Guard) fill(lease *coordinationv1.Lease, active bool) {
	now := metav1.NewMicroTime(g.Now())
	if lease.Labels == nil {
		lease.Labels = map[string]string{}
	}
	lease.Labels[settings.LabelName], lease.Labels[settings.LabelComponent] = labelNameValue, labelComponentValue
	if lease.Annotations == nil {
		lease.Annotations = map[string]string{}
	}
	lease.Annotations[ScopeAnnotation] = g.Scope.annotation()
	lease.Spec.LeaseDurationSeconds = ptr.To(int32(g.Validity / time.Second))
	lease.Spec.RenewTime = &now
	if !active {
		lease.Spec.HolderIdentity, lease.Spec.AcquireTime = nil, nil
		return
	}
	lease.Spec.HolderIdentity = ptr.To(g.Identity)
	if lease.Spec.AcquireTime == nil {
		lease.Spec.AcquireTime = &now
	}
}

// Another installation may live in any namespace, so the claims are listed in all of them:
// list is the only right on Leases the operator has beyond its own namespace.
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=list

// rivalsOf lists the other installations' claims that are active and overlap own.
func (g *Guard) rivalsOf(ctx context.Context, own claim) ([]claim, error) {
	var leases coordinationv1.LeaseList
	if err := g.Client.List(ctx, &leases, client.MatchingLabels{
		settings.LabelName: labelNameValue, settings.LabelComponent: labelComponentValue}); err != nil {
		return nil, fmt.Errorf("listing the installations' claims: %w", err)
	}
	var rivals []claim
	now := g.Now()
	for i := range leases.Items {
		other := claimOf(&leases.Items[i])
		if other.key != own.key && other.activeAt(now) && own.scope.Overlap(other.scope) != "" {
			rivals = append(rivals, other)
		}
	}
	return rivals, nil
}

// act lets this installation reconcile, stand back or stop, given the overlapping active claims.
func (g *Guard) act(ctx context.Context, lease *coordinationv1.Lease, rivals []claim) error {
	own := claimOf(lease)
	first := earliest(rivals)
	active := own.activeAt(g.Now())
	switch {
	case active && (first == nil || own.precedes(*first)):
		g.open(ctx)
		return nil
	case first == nil:
		// Not active, yet nothing in the way: check claims before it acts, so this is only
		// a claim that lapsed in between; the next check claims again.
		return nil
	case g.Reconciling():
		// This installation reconciles, and an overlapping one became active first: they
		// claimed at the same moment, or this one's claim lapsed while it could not renew it.
		// A controller cannot be stopped inside a running manager, so the process stops.
		note := g.standBackNote(*first)
		log.FromContext(ctx).Error(nil, "stopping: another installation overlapping this one became active first",
			"installation", g.Key, "other", first.key, "reason", note)
		g.Recorder.Eventf(lease, nil, corev1.EventTypeWarning, v1alpha1.EventInstallationOverlap, "Stop", "%s", note)
		return errors.New(note)
	case active:
		// Claimed at the same moment as an earlier one, and nothing reconciled yet: stand back.
		g.fill(lease, false)
		if err := g.Client.Update(ctx, lease); err != nil {
			g.unverified(ctx, err)
			return nil
		}
	}
	g.standBack(ctx, lease, *first)
	return nil
}

// open lets the controller run; once open, the gate stays open for the life of the process.
func (g *Guard) open(ctx context.Context) {
	g.state.Store(&readiness{})
	g.reported = ""
	g.gateOnce.Do(func() {
		log.FromContext(ctx).Info("this installation reconciles", "installation", g.Key, "scope", g.Scope.String())
		close(g.gate)
	})
}

// Reconciling says whether this installation reconciles (the gate is open).
func (g *Guard) Reconciling() bool {
	select {
	case <-g.gate:
		return true
	default:
		return false
	}
}

// standBack reports that this installation does not reconcile because of rival: readiness
// fails with the reason, and the log and an Event on the claim say it once.
func (g *Guard) standBack(ctx context.Context, lease *coordinationv1.Lease, rival claim) {
	note := g.standBackNote(rival)
	g.state.Store(&readiness{errors.New(note)})
	if note == g.reported {
		return
	}
	g.reported = note
	log.FromContext(ctx).Error(nil, "this installation does not reconcile: another installation overlaps it",
		"installation", g.Key, "other", rival.key, "reason", note)
	g.Recorder.Eventf(lease, nil, corev1.EventTypeWarning, v1alpha1.EventInstallationOverlap, "StandBack", "%s", note)
}

func (g *Guard) standBackNote(rival claim) string {
	return fmt.Sprintf("installation %s (%s) overlaps this installation %s (%s) on %s, and has been active since %s; "+
		"only one of them may reconcile a platform: uninstall one, or give them --watch-namespaces that do not overlap",
		rival.key, rival.scope, g.Key, g.Scope, g.Scope.Overlap(rival.scope), rival.since.UTC().Format(time.RFC3339))
}

// unverified reports a check that could not be made. Before this installation reconciles it
// stays not ready: it cannot know that no other installation overlaps. Once it reconciles it
// goes on (an API server outage must not stop it), and the next check tells.
func (g *Guard) unverified(ctx context.Context, err error) {
	log.FromContext(ctx).Error(err, "cannot check for overlapping installations", "installation", g.Key)
	if !g.Reconciling() {
		g.state.Store(&readiness{fmt.Errorf("cannot tell whether another installation overlaps this one: %w", err)})
	}
}
