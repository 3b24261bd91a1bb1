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
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"go.uber.org/zap/zapcore"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/config"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/test/utils"
)

// The envtest suite runs the real manager against a real kube-apiserver and etcd
// (KUBEBUILDER_ASSETS, set by `make test`). There is no controller-manager or kubelet: tests
// play their part where needed (Deployment status, Nodes).

var (
	testScheme = runtime.NewScheme()
	testEnv    *envtest.Environment
	testConfig *rest.Config
	k8s        client.Client // the test's own client, uncached
	namespaceN atomic.Int32
)

func TestMain(m *testing.M) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run the tests with `make test`, which builds the control plane")
		os.Exit(1)
	}
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true), zap.Level(zapLevel())))
	utilruntime.Must(clientgoscheme.AddToScheme(testScheme))
	utilruntime.Must(v1alpha1.AddToScheme(testScheme))
	utilruntime.Must(gatewayv1.Install(testScheme))

	// The Gateway API's standard CRDs are installed for every test, as on a cluster with a
	// Gateway implementation: the operator then also judges HTTPRoutes of Ingress platforms.
	gatewayCRDs, err := utils.GatewayAPICRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases"), gatewayCRDs},
		ErrorIfCRDPathMissing: true,
	}
	if testConfig, err = testEnv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		os.Exit(1)
	}
	if k8s, err = client.New(testConfig, client.Options{Scheme: testScheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The cluster's default IngressClass is ingress-nginx's, whose redirect TLS-1 verifies.
	if err := k8s.Create(context.Background(), fixtures.IngressNginxClass()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = testEnv.Stop()
	os.Exit(code)
}

// zapLevel keeps test output readable (errors only) unless TEST_VERBOSE_LOGS is set.
func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE_LOGS") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}

// controllerConfig lets several managers start in one test binary: controller names are
// otherwise validated as unique per process.
func controllerConfig() config.Controller {
	return config.Controller{SkipNameValidation: ptr.To(true)}
}

// runningManager is one operator instance started by a test.
type runningManager struct {
	cancel context.CancelFunc
	done   chan struct{}
	writes *utils.WriteCounter
}

// newTestManager is a manager with the production cache options, restricted to namespaces
// (none: all), its informers guarded by health as in cmd/main.go (nil: none), whose writes are
// counted.
func newTestManager(t *testing.T, cfg *rest.Config, health *WatchHealth, namespaces ...string) ctrl.Manager {
	t.Helper()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  testScheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache:   health.Guard(CacheOptions(namespaces...)),
		Client:  ClientOptions(),
		// Several managers start in one test binary; names of controllers must not clash.
		Controller: controllerConfig(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return mgr
}

// startManager starts the real manager with the production cache options and reconciler, which
// configure may adjust before it starts (as cmd/main.go does with its flags).
func startManager(t *testing.T, configure ...func(*MeetingPlatformReconciler)) *runningManager {
	t.Helper()
	return startManagerOver(t, nil, configure...)
}

// startManagerOver is startManager over a connection each wrap, in order, changes (a test may
// cut it); the informers are guarded by a WatchHealth as in cmd/main.go.
func startManagerOver(t *testing.T, wraps []func(*rest.Config) *rest.Config, configure ...func(*MeetingPlatformReconciler)) *runningManager {
	t.Helper()
	writes := &utils.WriteCounter{}
	cfg := writes.Wrap(testConfig)
	for _, wrap := range wraps {
		cfg = wrap(cfg)
	}
	health, err := NewWatchHealth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mgr := newTestManager(t, cfg, health)
	r, err := NewMeetingPlatformReconciler(mgr)
	if err != nil {
		t.Fatal(err)
	}
	// The tests' organisation trusts the CA that issues their certificates (--trusted-ca-bundle).
	r.Roots = fixtures.TestRoots()
	r.WatchHealth = health
	for _, c := range configure {
		c(r)
	}
	if err := r.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rm := &runningManager{cancel: cancel, done: make(chan struct{}), writes: writes}
	go func() {
		defer close(rm.done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(rm.stop)
	return rm
}

// gets are the operator's reads of single objects past its cache.
func (m *runningManager) gets() []string { return m.writes.Gets() }

func (m *runningManager) stop() {
	m.cancel()
	<-m.done
}

// newNamespace creates a fresh namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t%d-%d", time.Now().Unix()%100000, namespaceN.Add(1))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return name
}
