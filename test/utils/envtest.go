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

package utils

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// LazyAPIServer is one envtest kube-apiserver and etcd for a test binary, started by the first
// test that needs it, so that the pure unit tests of the package run without it. TestMain stops
// it. A test that needs it fails (never skips) when the control-plane binaries are missing.
type LazyAPIServer struct {
	// Environment configures envtest (CRDs to install); the zero value is a bare API server.
	Environment envtest.Environment
	// Package names the package for the message that says how to run its tests.
	Package string
	// Setup runs once after the start, e.g. to build clients.
	Setup func(*rest.Config) error

	once    sync.Once
	err     error
	started bool
	cfg     *rest.Config
}

// Config returns the API server's configuration, starting it on first use.
func (a *LazyAPIServer) Config(t testing.TB) *rest.Config {
	t.Helper()
	a.once.Do(func() { a.err = a.start() })
	if a.err != nil {
		t.Fatal(a.err)
	}
	return a.cfg
}

func (a *LazyAPIServer) start() error {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set: these tests need a real kube-apiserver and etcd. " +
			"Run `make test`, or `KUBEBUILDER_ASSETS=\"$(hack/build-controlplane.sh)/bin\" go test ./" + a.Package + "/...`")
	}
	cfg, err := a.Environment.Start()
	if err != nil {
		return fmt.Errorf("starting envtest with KUBEBUILDER_ASSETS=%s: %w", os.Getenv("KUBEBUILDER_ASSETS"), err)
	}
	a.started, a.cfg = true, cfg
	if a.Setup != nil {
		return a.Setup(cfg)
	}
	return nil
}

// Stop stops the API server if a test started it; code is m.Run's exit code, returned unless
// stopping fails.
func (a *LazyAPIServer) Stop(code int) int {
	if !a.started {
		return code
	}
	if err := a.Environment.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping envtest: %v\n", err)
		if code == 0 {
			return 1
		}
	}
	return code
}
