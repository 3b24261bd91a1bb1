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
	"net"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// WatchHealth keeps the operator's informers connected through an outage of the API server,
// and says while their caches may be stale.
//
// client-go's reflector retries a failed list or watch after a backoff of 0.8 s that doubles up
// to 30 s, jittered up to twice that, and is reset only after 2 minutes (k8s.io/client-go v0.36,
// tools/cache/reflector.go: defaultBackoffInit/Max/Reset). After a 20 s outage a reflector's next
// attempt may be 25 s away, and drift made in the meantime goes unseen. That backoff cannot be
// configured: ReflectorOptions.Backoff exists, but neither the SharedIndexInformer nor
// controller-runtime's cache passes it on (v0.24, pkg/cache/internal/informers.go). WatchHealth
// wraps each informer's ListerWatcher instead (NewInformer): a list or watch that fails because
// the API server cannot be reached does not return to the reflector; it waits until the API
// server is ready again, which one shared /readyz probe checks every probeInterval, and then
// tries again. The reflector never sees the outage, so it never backs off.
type WatchHealth struct {
	// probe asks the API server whether it is ready (GET /readyz).
	probe func(context.Context) error
	now   func() time.Time
	// changed receives an event when a degraded window opens or closes: every platform is
	// judged again (recheckOnWatchHealth).
	changed chan event.GenericEvent

	probeMu  sync.Mutex
	probedAt time.Time
	probeErr error

	mu     sync.Mutex
	nextID int
	// stale holds the informers whose last list or watch failed with the API server out of
	// reach; since is when the first of them did, declared whether the window outlasted
	// staleGrace and is reported.
	stale    map[int]bool
	since    time.Time
	declared bool
	cause    string
}

const (
	// probeInterval is how often, while informers wait, the API server is asked whether it is
	// ready: one request for all of them, and the most a revert waits beyond the API server's
	// return for the informers to notice it.
	probeInterval = 500 * time.Millisecond
	// maxRetrySpacing bounds how long an informer waits between tries while the API server says
	// it is ready but its list or watch still fails (a proxy that drops long requests, say).
	maxRetrySpacing = 2 * time.Second
	// staleGrace is how long informers may be out of reach before the window is reported: a
	// watch that reconnects at once is no outage.
	staleGrace = time.Second
	// probeTimeout bounds one probe.
	probeTimeout = 2 * time.Second
)

// NewWatchHealth returns the WatchHealth of an operator that talks to the API server of cfg.
func NewWatchHealth(cfg *rest.Config) (*WatchHealth, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("a client for the API server's readiness: %w", err)
	}
	probe := func(ctx context.Context) error {
		return dc.RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
	}
	return newWatchHealth(probe), nil
}

func newWatchHealth(probe func(context.Context) error) *WatchHealth {
	return &WatchHealth{probe: probe, now: time.Now, stale: map[int]bool{}, changed: make(chan event.GenericEvent, 1)}
}

// Guard returns opts with informers that wait out an outage of the API server (newInformer). A
// nil WatchHealth returns opts unchanged.
func (h *WatchHealth) Guard(opts cache.Options) cache.Options {
	if h != nil {
		opts.NewInformer = h.newInformer
	}
	return opts
}

// newInformer is cache.Options.NewInformer: client-go's informer, on a ListerWatcher that waits
// out an outage of the API server.
func (h *WatchHealth) newInformer(lw toolscache.ListerWatcher, obj runtime.Object, resync time.Duration,
	indexers toolscache.Indexers) toolscache.SharedIndexInformer {
	h.mu.Lock()
	h.nextID++
	id := h.nextID
	h.mu.Unlock()
	guarded := &guardedListWatch{lw: toolscache.ToListerWatcherWithContext(lw), health: h, id: id}
	return toolscache.NewSharedIndexInformer(guarded, obj, resync, indexers)
}

// Degraded returns since when the informers' caches may be stale, while they are.
func (h *WatchHealth) Degraded() (time.Time, bool) {
	if h == nil {
		return time.Time{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.since, h.declared
}

// guardedListWatch is an informer's ListerWatcher that waits out an outage of the API server.
type guardedListWatch struct {
	lw     toolscache.ListerWatcherWithContext
	health *WatchHealth
	id     int
}

func (g *guardedListWatch) ListWithContext(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	return untilReachable(ctx, g, func() (runtime.Object, error) { return g.lw.ListWithContext(ctx, opts) })
}

func (g *guardedListWatch) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return untilReachable(ctx, g, func() (watch.Interface, error) { return g.lw.WatchWithContext(ctx, opts) })
}

// List and Watch complete toolscache.ListerWatcher; the reflector calls the context variants.
func (g *guardedListWatch) List(opts metav1.ListOptions) (runtime.Object, error) {
	return g.ListWithContext(context.Background(), opts)
}

func (g *guardedListWatch) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	return g.WatchWithContext(context.Background(), opts)
}

// untilReachable makes the call until it succeeds, fails for another reason than an
// unreachable API server, or ctx ends. Between tries it waits until the API server says it is
// ready, and at least a spacing that doubles up to maxRetrySpacing.
func untilReachable[T any](ctx context.Context, g *guardedListWatch, call func() (T, error)) (T, error) {
	spacing := probeInterval
	for {
		out, err := call()
		if err == nil {
			g.health.reached(g.id)
			return out, nil
		}
		if ctx.Err() != nil || !apiServerUnreachable(err) {
			return out, err
		}
		g.health.unreachable(g.id, err)
		if waitErr := g.health.waitReady(ctx, spacing); waitErr != nil {
			return out, err
		}
		spacing = min(2*spacing, maxRetrySpacing)
	}
}

// apiServerUnreachable tells the errors of an API server that is down, restarting or cut off
// from the errors it answers with: a refused or reset connection, a stream cut short, a
// timeout, 503 Service Unavailable. 429 is not one of them: an overloaded API server is
// better served by the reflector's backoff.
func apiServerUnreachable(err error) bool {
	var netErr net.Error
	var opErr *net.OpError
	return utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		errors.As(err, &opErr) || (errors.As(err, &netErr) && netErr.Timeout()) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsTimeout(err)
}

// waitReady waits at least spacing, then until the API server says it is ready.
func (h *WatchHealth) waitReady(ctx context.Context, spacing time.Duration) error {
	wait := spacing
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if h.ready(ctx) {
			return nil
		}
		wait = probeInterval
	}
}

// ready probes the API server, at most once per probeInterval for all informers. An API server
// that refuses the probe itself (401, 403: a cluster without the public-info-viewer binding)
// answers, which is all the informers wait for; only an error of the transport or a 5xx
// (/readyz is 500 until every check passes) means it is not back yet.
func (h *WatchHealth) ready(ctx context.Context) bool {
	h.probeMu.Lock()
	defer h.probeMu.Unlock()
	if h.now().Sub(h.probedAt) >= probeInterval {
		probeCtx, cancel := context.WithTimeout(ctx, probeTimeout)
		h.probeErr = h.probe(probeCtx)
		cancel()
		h.probedAt = h.now()
	}
	var status apierrors.APIStatus
	return h.probeErr == nil || (errors.As(h.probeErr, &status) && status.Status().Code < 500 && !apiServerUnreachable(h.probeErr))
}

// unreachable records that the informer id cannot reach the API server. The first one opens a
// window, which is reported once it outlasts staleGrace.
func (h *WatchHealth) unreachable(id int, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.stale) == 0 {
		h.since, h.cause = h.now(), err.Error()
		since := h.since
		time.AfterFunc(staleGrace, func() { h.declare(since) })
	}
	h.stale[id] = true
}

// declare reports the window that opened at since, if it is still open.
func (h *WatchHealth) declare(since time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.stale) == 0 || !h.since.Equal(since) || h.declared {
		return
	}
	h.declared = true
	cacheDegraded.Set(1)
	cacheDegradedSince.Set(float64(since.Unix()))
	cacheDegradedWindows.Inc()
	ctrl.Log.WithName("watch-health").Info("the API server cannot be reached: the cache may be stale, compliance is reported Unknown",
		"since", since.UTC().Format(time.RFC3339), "informers", len(h.stale), "error", h.cause)
	h.notify()
}

// reached records that the informer id reached the API server; the last one closes the window.
func (h *WatchHealth) reached(id int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.stale[id] {
		return
	}
	delete(h.stale, id)
	if len(h.stale) > 0 {
		return
	}
	if h.declared {
		cacheDegraded.Set(0)
		cacheDegradedSince.Set(0)
		ctrl.Log.WithName("watch-health").Info("the watches are connected again",
			"since", h.since.UTC().Format(time.RFC3339), "after", h.now().Sub(h.since).Round(time.Millisecond).String())
		h.notify()
	}
	h.since, h.declared, h.cause = time.Time{}, false, ""
}

// notify wakes recheckOnWatchHealth without blocking: one pending event is enough, it
// enqueues every platform.
func (h *WatchHealth) notify() {
	select {
	case h.changed <- event.GenericEvent{Object: &v1alpha1.MeetingPlatform{}}:
	default:
	}
}

// staleMessage says, in the conditions of a pass during a degraded window, why compliance is
// Unknown. It names the start of the window, so it does not change from pass to pass.
func staleMessage(since time.Time) string {
	return fmt.Sprintf("the operator's watches have not reached the API server since %s: the last evaluation may not describe the cluster",
		since.UTC().Format(time.RFC3339))
}

// staleConditions turns the compliance conditions Unknown: what they say was judged on a cache
// that may be stale.
func staleConditions(compliance []metav1.Condition, since time.Time) []metav1.Condition {
	out := make([]metav1.Condition, 0, len(compliance))
	for _, c := range compliance {
		c.Status, c.Reason, c.Message = metav1.ConditionUnknown, v1alpha1.ReasonCacheStale, staleMessage(since)
		out = append(out, c)
	}
	return out
}
