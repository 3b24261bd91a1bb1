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
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/tokenbridge"
)

// TestAnOIDCPlatformIsCompliantAndItsBridgeIsEnforced: on the real cluster an OIDC platform
// with a confidential client becomes Ready and Compliant with its token bridge running and
// ACC-6 passing; a longer token lifetime set on the bridge with kubectl is reverted and
// reported. The client secret and the bridge's generated keys are among the values the final
// test looks for in the operator's logs.
func TestAnOIDCPlatformIsCompliantAndItsBridgeIsEnforced(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 6*time.Minute)
	ns := createNamespace(t, "e2e-oidc")
	mp := createPlatform(t, newPlatform(ns, "sso", func(mp *v1alpha1.MeetingPlatform) {
		mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationOIDC, OIDC: &v1alpha1.OIDCSpec{
			IssuerURL: fixtures.OIDCIssuer, ClientID: "meet", ClientSecretRef: &v1alpha1.SecretKeyReference{Name: "sso-oidc"},
		}}
	}))
	live := waitReady(t, keyOf(mp), 3*time.Minute)
	for _, c := range live.Status.Compliance.Controls {
		if c.ID == string(settings.ACC6) && c.Result != v1alpha1.ResultPass {
			t.Errorf("ACC-6 is %s: %s", c.Result, c.Message)
		}
	}

	bridge := settings.Name(mp, string(settings.TokenBridge))
	started := time.Now()
	if out, err := kubectl(ctx, "-n", ns, "set", "env", "deployment/"+bridge, tokenbridge.EnvTokenLifetime+"=24h"); err != nil {
		t.Fatalf("kubectl set env: %v\n%s", err, out)
	}
	waitFor(t, 30*time.Second, bridge+" reverted to the spec's token lifetime", func() error {
		d := &appsv1.Deployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: bridge}, d); err != nil {
			return err
		}
		if v, _ := envOf(d, string(settings.TokenBridge), tokenbridge.EnvTokenLifetime); v != "5m0s" {
			return fmt.Errorf("%s=%q", tokenbridge.EnvTokenLifetime, v)
		}
		return nil
	})
	waitEvent(t, ns, eventMatch{platform: mp.Name, reason: "DriftReverted", since: started, about: bridge}, 30*time.Second)
}
