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

package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// middlewareGVK is Traefik's Middleware kind (traefik.io/v1alpha1).
var middlewareGVK = schema.GroupVersionKind{Group: "traefik.io", Version: "v1alpha1", Kind: "Middleware"}

// A platform on Traefik, under the chart's RBAC on the real cluster: before Traefik's own
// Middleware CRD is installed TLS-1 warns naming it; once it is applied (no operator restart)
// the operator writes the redirect and headers Middlewares and the plain-HTTP Ingress, the
// platform is Ready and Compliant with TLS-1 and OVR-3 passing, and a redirect removed by hand
// is reverted.
func TestAPlatformOnTraefikIsVerifiedThroughItsMiddlewares(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 8*time.Minute)
	ns := createNamespace(t, "traefik")
	class := fixtures.TraefikClass()
	if err := k8s.Create(ctx, class); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(testContext(t, time.Minute), class) })
	mp := fixtures.OnTraefik(ns, "meet", fmt.Sprintf("meet.%s.e2e.example.eu", ns), nextNodePort())
	key := keyOf(mp)

	_, err := k8s.RESTMapper().RESTMapping(middlewareGVK.GroupKind(), middlewareGVK.Version)
	servedBefore := err == nil
	createPlatform(t, mp)
	if !servedBefore {
		waitPlatform(t, key, 2*time.Minute, "TLS-1 warns naming Traefik's CRD", func(mp *v1alpha1.MeetingPlatform) error {
			return controlIs(mp, "TLS-1", v1alpha1.ResultWarn, "CRD middlewares.traefik.io")
		})
	}
	crd, err := fixtures.TraefikMiddlewareCRDFile()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := kubectl(ctx, "apply", "--server-side", "-f", crd); err != nil {
		t.Fatalf("installing Traefik's Middleware CRD: %v\n%s", err, out)
	}
	waitPlatform(t, key, 3*time.Minute, "Ready and Compliant, TLS-1 and OVR-3 passing", func(mp *v1alpha1.MeetingPlatform) error {
		if err := readyAndCompliant(mp); err != nil {
			return err
		}
		return controlsPass(mp, "TLS-1", "OVR-3")
	})

	redirect := client.ObjectKey{Namespace: ns, Name: mp.Name + "-redirect-https"}
	if out, err := kubectl(ctx, "-n", ns, "patch", "middlewares.traefik.io", redirect.Name, "--type=merge", "-p", `{"spec":{"redirectScheme":null}}`); err != nil {
		t.Fatalf("removing the redirect: %v\n%s", err, out)
	}
	took := waitFor(t, time.Minute, "the redirect is reverted", func() error {
		mw := &unstructured.Unstructured{}
		mw.SetGroupVersionKind(middlewareGVK)
		if err := k8s.Get(ctx, redirect, mw); err != nil {
			return err
		}
		if scheme, _, _ := unstructured.NestedString(mw.Object, "spec", "redirectScheme", "scheme"); scheme != "https" {
			return errors.New("the Middleware does not redirect to https")
		}
		return nil
	})
	t.Logf("the removed redirect was reverted after %s", took.Round(10*time.Millisecond))
	waitReady(t, key, time.Minute)
}

// controlIs checks one control's result and that its message names mention.
func controlIs(mp *v1alpha1.MeetingPlatform, id string, want v1alpha1.ControlResultValue, mention string) error {
	if mp.Status.Compliance == nil || meta.FindStatusCondition(mp.Status.Conditions, v1alpha1.ConditionCompliant) == nil {
		return errors.New("no compliance yet")
	}
	for _, c := range mp.Status.Compliance.Controls {
		if c.ID == id {
			if c.Result != want || !strings.Contains(c.Message, mention) {
				return fmt.Errorf("%s is %s: %s", id, c.Result, c.Message)
			}
			return nil
		}
	}
	return fmt.Errorf("no result for %s", id)
}
