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

package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// The tests of what only a real API server does (managedFields, conflicts, allocations) share
// one kube-apiserver and etcd, started by the first test that needs it and stopped by TestMain.
// The pure unit tests of this package therefore run without it.
var (
	envOnce    sync.Once
	envErr     error
	testEnv    *envtest.Environment
	testConfig *rest.Config
	k8s        client.Client // uncached
	namespaceN atomic.Int32
)

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	code := m.Run()
	if testEnv != nil {
		if err := testEnv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping envtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// apiServer returns an uncached client of the envtest API server, starting it on first use. It
// fails the test (never skips it) when the control-plane binaries are missing.
func apiServer(t *testing.T) client.Client {
	t.Helper()
	envOnce.Do(func() { envErr = startEnv() })
	if envErr != nil {
		t.Fatal(envErr)
	}
	return k8s
}

func startEnv() error {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set: these tests need a real kube-apiserver and etcd. " +
			"Run `make test`, or `KUBEBUILDER_ASSETS=\"$(hack/build-controlplane.sh)/bin\" go test ./controllers/apply/...`")
	}
	testEnv = &envtest.Environment{}
	cfg, err := testEnv.Start()
	if err != nil {
		return fmt.Errorf("starting envtest with KUBEBUILDER_ASSETS=%s: %w", os.Getenv("KUBEBUILDER_ASSETS"), err)
	}
	testConfig = cfg
	k8s, err = client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	return err
}

// newNamespace creates a fresh namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("apply-%d-%d", time.Now().Unix()%100000, namespaceN.Add(1))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := apiServer(t).Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return name
}

// operatorEntries lists the operator's managedFields entries as "Operation/subresource".
func operatorEntries(obj client.Object) []string {
	var out []string
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager == FieldOwner {
			out = append(out, string(mf.Operation)+"/"+mf.Subresource)
		}
	}
	return out
}
