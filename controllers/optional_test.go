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
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

func TestCertManagerInstalledAfterTheOperatorStartedIsUsedWithoutARestart(t *testing.T) {
	crd := fixtures.CertManagerCertificateCRD()
	// Registered first, so that it runs after the manager stopped: no watch outlives its API.
	t.Cleanup(func() { uninstallCRD(t, crd) })
	if _, err := k8s.RESTMapper().RESTMapping(certificateGVK.GroupKind(), certificateGVK.Version); !meta.IsNoMatchError(err) {
		t.Fatalf("the cluster serves %s before the test (%v): the manager would find it at start", certificateGVK, err)
	}
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	createJWTSecret(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	mp.Spec.TLS = v1alpha1.TLSSpec{IssuerRef: &v1alpha1.IssuerReference{Name: "eu-ca", Kind: "ClusterIssuer"}}
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled says cert-manager is missing", stalledWith(mp, v1alpha1.ReasonCertManagerMissing, `ClusterIssuer "eu-ca"`))

	if _, err := envtest.InstallCRDs(testConfig, envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{crd}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the platform deploys, its Certificate included, once the API is served", deployed(mp))
	markAvailable(t, ns)
	eventually(t, "the platform converges", func() error {
		return conditionIs(mp, v1alpha1.ConditionReconciling, metav1.ConditionFalse)
	})

	// Nothing but a watch on Certificates can bring the pass that recreates it: a converged
	// platform is otherwise looked at again only after an hour.
	key := types.NamespacedName{Namespace: ns, Name: settings.TLSSecretName(mp)}
	cert := newCertificate()
	if err := k8s.Get(context.Background(), key, cert); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Delete(context.Background(), cert); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the deleted Certificate is recreated", func() error {
		again := newCertificate()
		if err := k8s.Get(context.Background(), key, again); err != nil {
			return err
		}
		if again.GetUID() == cert.GetUID() {
			return fmt.Errorf("Certificate %s still has its old UID", key)
		}
		return eventFor(mp, v1alpha1.EventDriftReverted, "Certificate")
	})
}

// uninstallCRD deletes the CRD and waits until its API is no longer served: a manager that
// the next test starts must not find a kind that vanishes before its watch syncs.
func uninstallCRD(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	if err := envtest.UninstallCRDs(testConfig, envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{crd}}); err != nil {
		t.Error(err)
		return
	}
	dc, err := discovery.NewDiscoveryClientForConfig(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the API of the CRD is gone", func() error {
		if _, err := dc.ServerResourcesForGroupVersion(certificateGVK.GroupVersion().String()); !apierrors.IsNotFound(err) {
			return fmt.Errorf("%s is still served (%w)", certificateGVK.GroupVersion(), err)
		}
		return nil
	})
}
