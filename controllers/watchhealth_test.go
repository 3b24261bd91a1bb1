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
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// revertBound is the longest a revert may take once the operator can reach the API server
// again after an outage (client-go's own backoff alone may wait 25 s after a 20 s outage).
const revertBound = 5 * time.Second

func TestLostWatchesAreReportedAndDriftIsRevertedWithinSecondsOfTheirReturn(t *testing.T) {
	cut := &apiCut{}
	startManager(t, cut.wrap)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "Ready", func() error { return conditionIs(mp, v1alpha1.ConditionReady, metav1.ConditionTrue) })

	// A proxy that drops long-lived connections: requests pass, watches do not.
	cut.set(cutWatches)
	eventually(t, "Compliant is Unknown, not True over a stale cache", func() error {
		if err := degradedMetricIs(1); err != nil {
			return err
		}
		return conditionWithReason(mp, v1alpha1.ConditionCompliant, metav1.ConditionUnknown, v1alpha1.ReasonCacheStale)
	})
	if err := conditionWithReason(mp, v1alpha1.ConditionReady, metav1.ConditionUnknown, v1alpha1.ReasonCacheStale); err != nil {
		t.Error(err)
	}
	addAnalyticsVariable(t, mp)
	cut.set(cutNothing)
	revertedWithin(t, mp, revertBound)
	eventually(t, "Compliant is True again", func() error {
		if err := degradedMetricIs(0); err != nil {
			return err
		}
		return conditionWithReason(mp, v1alpha1.ConditionCompliant, metav1.ConditionTrue, v1alpha1.ReasonAllControlsPass)
	})

	// The API server down: every request refused, the readiness probe too.
	cut.set(cutEverything)
	eventually(t, "the outage is reported", func() error { return degradedMetricIs(1) })
	time.Sleep(5 * time.Second) // long enough for client-go's backoff to have grown to seconds
	cut.set(cutNothing)
	addAnalyticsVariable(t, mp)
	revertedWithin(t, mp, revertBound)
	eventually(t, "the outage is over", func() error { return degradedMetricIs(0) })
}

// analyticsVariable is drift that control TEL-1 fails and Enforce mode reverts.
const analyticsVariable = "AMPLITUDE_ID"

func addAnalyticsVariable(t *testing.T, mp *v1alpha1.MeetingPlatform) {
	t.Helper()
	updateDeployment(t, mp, settings.Web, func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		c.Env = append(c.Env, corev1.EnvVar{Name: analyticsVariable, Value: "tracking"})
	})
}

// revertedWithin fails the test unless the web Deployment loses the analytics variable within
// bound of now.
func revertedWithin(t *testing.T, mp *v1alpha1.MeetingPlatform, bound time.Duration) {
	t.Helper()
	start := time.Now()
	eventually(t, "the drift is reverted", func() error {
		d, err := liveDeployment(mp, settings.Web)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Env, func(e corev1.EnvVar) bool { return e.Name == analyticsVariable }) {
			return errors.New("the web Deployment still has " + analyticsVariable)
		}
		return nil
	})
	took := time.Since(start)
	t.Logf("reverted %s after the operator could reach the API server again", took.Round(10*time.Millisecond))
	if took > bound {
		t.Errorf("the revert took %s, more than %s", took.Round(10*time.Millisecond), bound)
	}
}

// conditionWithReason checks a condition's status and reason on the live platform.
func conditionWithReason(mp *v1alpha1.MeetingPlatform, condition string, status metav1.ConditionStatus, reason string) error {
	if err := conditionIs(mp, condition, status); err != nil {
		return err
	}
	live := &v1alpha1.MeetingPlatform{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(mp), live); err != nil {
		return err
	}
	if c := meta.FindStatusCondition(live.Status.Conditions, condition); c.Reason != reason {
		return fmt.Errorf("%s is %s with reason %s (%s), want reason %s", condition, c.Status, c.Reason, c.Message, reason)
	}
	return nil
}

// degradedMetricIs checks meetwarden_cache_degraded.
func degradedMetricIs(want float64) error {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return err
	}
	for _, f := range families {
		if f.GetName() == "meetwarden_cache_degraded" {
			if got := f.GetMetric()[0].GetGauge().GetValue(); got != want {
				return fmt.Errorf("meetwarden_cache_degraded is %v, want %v", got, want)
			}
			return nil
		}
	}
	return errors.New("no meetwarden_cache_degraded series")
}

// cutMode is what apiCut refuses.
type cutMode int

const (
	cutNothing cutMode = iota
	cutWatches
	cutEverything
)

// apiCut stands between the operator and the API server and can cut it off: it refuses new
// connections as a stopped API server does, and ends the watch streams that are open.
type apiCut struct {
	mu      sync.Mutex
	mode    cutMode
	streams map[*cutStream]bool
}

func (c *apiCut) wrap(cfg *rest.Config) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return cutRoundTripper{cut: c, next: rt}
	})
	return out
}

func (c *apiCut) set(mode cutMode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mode = mode
	if mode == cutNothing {
		return
	}
	for s := range c.streams {
		_ = s.Close()
	}
	c.streams = nil
}

func (c *apiCut) refuses(watch bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mode == cutEverything || (c.mode == cutWatches && watch)
}

func (c *apiCut) track(s *cutStream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streams == nil {
		c.streams = map[*cutStream]bool{}
	}
	c.streams[s] = true
}

type cutRoundTripper struct {
	cut  *apiCut
	next http.RoundTripper
}

func (rt cutRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	watch := req.URL.Query().Get("watch") == "true"
	if rt.cut.refuses(watch) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	resp, err := rt.next.RoundTrip(req)
	if err == nil && watch {
		s := &cutStream{ReadCloser: resp.Body}
		rt.cut.track(s)
		resp.Body = s
	}
	return resp, err
}

// cutStream is the body of a watch response, which apiCut closes to end the stream.
type cutStream struct{ io.ReadCloser }

func TestOnlyAnAPIServerOutOfReachIsWaitedOut(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"a refused connection, as the client reports it", &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/api", Err: refused}, true},
		{"a connection reset", &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/api", Err: syscall.ECONNRESET}, true},
		{"a stream cut short", io.ErrUnexpectedEOF, true},
		{"503 from an API server that is starting", apierrors.NewServiceUnavailable("starting"), true},
		{"429 from an overloaded API server: client-go's backoff is right", apierrors.NewTooManyRequests("slow down", 1), false},
		{"403 from RBAC", apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "x", errors.New("no")), false},
		{"410 Gone: the reflector lists again", apierrors.NewResourceExpired("too old"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := apiServerUnreachable(tc.err); got != tc.want {
				t.Errorf("apiServerUnreachable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestAWatchThatReconnectsAtOnceIsNoOutage(t *testing.T) {
	h := newWatchHealth(func(context.Context) error { return nil })
	windows := degradedWindows(t)
	h.unreachable(1, io.EOF)
	h.reached(1)
	time.Sleep(staleGrace + 200*time.Millisecond)
	if _, degraded := h.Degraded(); degraded || degradedWindows(t) != windows {
		t.Errorf("a reconnect within %s was reported as a degraded window", staleGrace)
	}

	h.unreachable(1, io.EOF)
	h.unreachable(2, io.EOF)
	time.Sleep(staleGrace + 200*time.Millisecond)
	if _, degraded := h.Degraded(); !degraded || degradedWindows(t) != windows+1 {
		t.Fatalf("two informers out of reach for more than %s: degraded %v, windows %v (want %v)", staleGrace, degraded, degradedWindows(t), windows+1)
	}
	h.reached(1)
	if _, degraded := h.Degraded(); !degraded {
		t.Error("the window closed while an informer was still out of reach")
	}
	h.reached(2)
	if _, degraded := h.Degraded(); degraded {
		t.Error("the window stayed open after every informer reached the API server")
	}
}

func degradedWindows(t *testing.T) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "meetwarden_cache_degraded_windows_total" {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

func TestTheAPIServerIsBackOnceItAnswersTheProbe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		probe error
		want  bool
	}{
		{"ready", nil, true},
		{"forbidden to read /readyz: it answers all the same", apierrors.NewForbidden(schema.GroupResource{}, "/readyz", errors.New("no")), true},
		{"500 from /readyz while a check fails", apierrors.NewInternalError(errors.New("etcd not ready")), false},
		{"the connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newWatchHealth(func(context.Context) error { return tc.probe })
			if got := h.ready(context.Background()); got != tc.want {
				t.Errorf("ready = %v, want %v", got, tc.want)
			}
		})
	}
}
