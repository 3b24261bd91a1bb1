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
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/meetwarden/meetwarden/test/utils"
)

// The tests of what only a real API server does (managedFields, conflicts, allocations) share
// one kube-apiserver and etcd, started by the first test that needs it and stopped by TestMain.
// The pure unit tests of this package therefore run without it.
var (
	env = &utils.LazyAPIServer{Package: "controllers/apply", Setup: func(cfg *rest.Config) (err error) {
		testConfig = cfg
		k8s, err = client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
		return err
	}}
	testConfig *rest.Config
	k8s        client.Client // uncached
	namespaceN atomic.Int32
)

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	os.Exit(env.Stop(m.Run()))
}

// apiServer returns an uncached client of the envtest API server, starting it on first use.
func apiServer(t *testing.T) client.Client {
	t.Helper()
	env.Config(t)
	return k8s
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
