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
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// A platform on Traefik, with Traefik's own Middleware CRD (from Traefik's v3.7.13 source):
// before the CRD exists, TLS-1 warns naming it and no Middleware is referenced; once it is
// installed (no operator restart) the redirect and headers are Middlewares and TLS-1 passes.
// In Audit mode an Ingress without its middlewares annotation and a Middleware whose redirect
// was removed fail TLS-1 and stay; in Enforce mode the Middleware is reverted.
func TestATraefikIngressIsVerifiedThroughItsMiddlewares(t *testing.T) {
	crd, err := fixtures.TraefikMiddlewareCRD()
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so that it runs after the manager stopped: no watch outlives its API.
	t.Cleanup(func() { uninstallCRD(t, crd) })
	if _, err := k8s.RESTMapper().RESTMapping(middlewareGVK.GroupKind(), middlewareGVK.Version); !meta.IsNoMatchError(err) {
		t.Fatalf("the cluster serves %s before the test (%v): the manager would find it at start", middlewareGVK, err)
	}
	class := fixtures.TraefikClass()
	mustCreate(t, class)
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), class) })
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	createSecrets(t, ns)
	mp := fixtures.OnTraefik(ns, "meet", domainOf(ns), 30000+nodePortN.Add(1))
	mp.Spec.Compliance.Mode = v1alpha1.ComplianceModeAudit
	createPlatform(t, mp)

	eventually(t, "without the CRD, TLS-1 warns naming it", func() error {
		return controlIs(mp, settings.TLS1, v1alpha1.ResultWarn, "Traefik serves it only over TLS", "CRD "+settings.MiddlewareCRD)
	})
	ing := &networkingv1.Ingress{}
	if err := k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: settings.IngressName(mp)}, ing); err != nil {
		t.Fatal(err)
	}
	if ref, ok := ing.Annotations[settings.AnnotationTraefikMiddlewares]; ok {
		t.Errorf("without the CRD the Ingress references Middlewares (%q): Traefik would not build its router", ref)
	}

	if _, err := envtest.InstallCRDs(testConfig, envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{crd}}); err != nil {
		t.Fatal(err)
	}
	installed := time.Now()
	eventually(t, "with the CRD, the Middlewares are rendered and TLS-1 passes", func() error {
		return controlIs(mp, settings.TLS1, v1alpha1.ResultPass)
	})
	t.Logf("TLS-1 passed %s after the CRD was installed", time.Since(installed).Round(100*time.Millisecond))
	// The plain-HTTP Ingress is the operator's: no route-around.
	eventually(t, "OVR-3 passes", func() error { return controlIs(mp, settings.OVR3, v1alpha1.ResultPass) })
	redirect := liveMiddleware(t, mp, settings.RedirectMiddlewareName(mp))
	if scheme, _, _ := unstructured.NestedString(redirect.Object, "spec", settings.MiddlewareRedirectScheme, settings.MiddlewareScheme); scheme != settings.HTTPSScheme {
		t.Errorf("the live redirect Middleware sends to %q, want %q", scheme, settings.HTTPSScheme)
	}
	liveMiddleware(t, mp, settings.HeadersMiddlewareName(mp))
	plain := types.NamespacedName{Namespace: ns, Name: settings.RedirectIngressName(mp)}
	if err := k8s.Get(context.Background(), plain, &networkingv1.Ingress{}); err != nil {
		t.Fatalf("the plain-HTTP Ingress: %v", err)
	}

	t.Run("an Ingress without its middlewares annotation fails TLS-1", func(t *testing.T) {
		patch(t, &networkingv1.Ingress{}, plain, `{"metadata":{"annotations":{"`+settings.AnnotationTraefikMiddlewares+`":null}}}`)
		eventually(t, "TLS-1 fails naming the Ingress", func() error {
			return controlIs(mp, settings.TLS1, v1alpha1.ResultFail, "Ingress "+plain.Name+": Traefik serves it on plain HTTP")
		})
		patch(t, &networkingv1.Ingress{}, plain, `{"metadata":{"annotations":{"`+settings.AnnotationTraefikMiddlewares+`":"`+settings.TraefikRedirectChain(mp)+`"}}}`)
		eventually(t, "TLS-1 passes again", func() error { return controlIs(mp, settings.TLS1, v1alpha1.ResultPass) })
	})

	key := types.NamespacedName{Namespace: ns, Name: settings.RedirectMiddlewareName(mp)}
	t.Run("a Middleware without its redirect fails TLS-1 and stays in Audit mode", func(t *testing.T) {
		patch(t, newOptional(middlewareGVK), key, `{"spec":{"redirectScheme":null}}`)
		eventually(t, "TLS-1 fails naming the Middleware", func() error {
			return controlIs(mp, settings.TLS1, v1alpha1.ResultFail, "Middleware "+key.Name+" does not redirect")
		})
		consistently(t, "Audit mode leaves the Middleware as it is", 2*time.Second, func() error {
			if _, found, _ := unstructured.NestedMap(liveMiddleware(t, mp, key.Name).Object, "spec", settings.MiddlewareRedirectScheme); found {
				return fmt.Errorf("the redirect is back in Audit mode")
			}
			return nil
		})
	})

	t.Run("in Enforce mode the Middleware's redirect is reverted", func(t *testing.T) {
		patch(t, &v1alpha1.MeetingPlatform{}, client.ObjectKeyFromObject(mp), `{"spec":{"compliance":{"mode":"Enforce"}}}`)
		eventually(t, "the redirect is back and TLS-1 passes", func() error {
			if _, found, _ := unstructured.NestedMap(liveMiddleware(t, mp, key.Name).Object, "spec", settings.MiddlewareRedirectScheme); !found {
				return fmt.Errorf("the redirect is still missing")
			}
			if err := eventFor(mp, v1alpha1.EventDriftReverted, "Middleware "+key.Name); err != nil {
				return err
			}
			return controlIs(mp, settings.TLS1, v1alpha1.ResultPass)
		})
	})
}

// liveMiddleware reads one of the platform's Middlewares past the operator's cache.
func liveMiddleware(t *testing.T, mp *v1alpha1.MeetingPlatform, name string) *unstructured.Unstructured {
	t.Helper()
	mw := newOptional(middlewareGVK)
	err := k8s.Get(context.Background(), types.NamespacedName{Namespace: mp.Namespace, Name: name}, mw)
	if apierrors.IsNotFound(err) {
		t.Fatalf("Middleware %s does not exist", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

// patch applies a JSON merge patch as a person would with kubectl patch --type merge.
func patch(t *testing.T, obj client.Object, key types.NamespacedName, body string) {
	t.Helper()
	obj.SetNamespace(key.Namespace)
	obj.SetName(key.Name)
	if err := k8s.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(body))); err != nil {
		t.Fatal(err)
	}
}
