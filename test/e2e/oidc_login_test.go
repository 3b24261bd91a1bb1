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
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/oidcprovider"
	"github.com/meetwarden/meetwarden/tokenbridge"
)

// TestTheLoginRoundTripThroughTheRenderedBridge logs in, with an HTTP client, through the token
// bridge exactly as the operator configured it on the cluster: the bridge binary of this tree
// runs with the environment of the live tokenbridge Deployment (values and the Secrets it
// names), against a real OpenID provider (zitadel/oidc's example OP), and the room token it
// hands back is checked with the key and claims of the live prosody Deployment. No container
// runs on the local cluster, so the bridge runs as a process here, as the operator does.
func TestTheLoginRoundTripThroughTheRenderedBridge(t *testing.T) {
	parallelTest(t)
	ctx := testContext(t, 6*time.Minute)
	ns := createNamespace(t, "e2e-login")
	const room = "weekly-standup"
	mp := newPlatform(ns, "sso")
	callback := settings.PublicURL(mp) + tokenbridge.PathCallback
	provider := oidcprovider.Start(t, callback, map[string][]string{oidcprovider.UserWithGroups: {"meet-moderators"}})
	mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationOIDC, OIDC: &v1alpha1.OIDCSpec{
		IssuerURL: provider.Issuer, ClientID: oidcprovider.PublicClientID,
		GroupsClaim: oidcprovider.GroupsClaim, ModeratorGroups: []string{"meet-moderators"},
	}}
	createPlatform(t, mp)
	waitReady(t, keyOf(mp), 3*time.Minute)

	bridgeEnv := liveEnv(t, ctx, ns, settings.Name(mp, string(settings.TokenBridge)), string(settings.TokenBridge))
	logs := runBridge(t, bridgeEnv, provider)
	prosody := liveEnv(t, ctx, ns, settings.Name(mp, string(settings.Prosody)), string(settings.Prosody))
	secret := []byte(prosody["JWT_APP_SECRET"])
	if len(secret) < settings.CredentialMinLength || prosody["JWT_APP_ID"] == "" {
		t.Fatalf("prosody is not configured for tokens: JWT_APP_ID %q, a secret of %d bytes", prosody["JWT_APP_ID"], len(secret))
	}

	var secrets []string
	for _, user := range []struct {
		name      string
		moderator bool
	}{{"test-user@127.0.0.1", true}, {oidcprovider.NameNoGroups, false}} {
		browser := platformBrowser(t, mp.Spec.Domain, provider)
		start := settings.PublicURL(mp) + tokenbridge.PathLogin + "?" + tokenbridge.RoomParameter + "=" + room
		back, err := oidcprovider.LogIn(browser, start, user.name, func(u *url.URL) bool { return u.Path == tokenbridge.PathCallback })
		if err != nil {
			t.Fatalf("%s: %v", user.name, err)
		}
		token := roomToken(t, browser, back, mp.Spec.Domain, room)
		secrets = append(secrets, back.Query().Get("code"), back.Query().Get("state"), token)
		claims := jwt.MapClaims{}
		_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return secret, nil },
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(prosody["JWT_APP_ID"]),
			jwt.WithAudience(prosody["JWT_APP_ID"]), jwt.WithExpirationRequired())
		if err != nil {
			t.Fatalf("%s: prosody's key and claims refuse the room token: %v", user.name, err)
		}
		userClaims, _ := claims["context"].(map[string]any)["user"].(map[string]any)
		if claims["room"] != room || (userClaims["moderator"] == true) != user.moderator {
			t.Errorf("%s: room %v, context.user %v; want room %s, moderator %v", user.name, claims["room"], userClaims, room, user.moderator)
		}
	}
	for _, s := range append(secrets, string(secret), "Test User") {
		if s != "" && strings.Contains(logs.String(), s) {
			t.Errorf("the bridge's log holds a code, state, token, secret or name (%.8s…)", s)
		}
	}
}

// liveEnv is the environment of the named container of a live Deployment, each secretKeyRef
// resolved from its Secret.
func liveEnv(t *testing.T, ctx context.Context, ns, deployment, container string) map[string]string {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: deployment}, d); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, e := range c.Env {
			out[e.Name] = e.Value
			if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
				s := &corev1.Secret{}
				if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.SecretKeyRef.Name}, s); err != nil {
					t.Fatalf("%s of %s: %v", e.Name, deployment, err)
				}
				out[e.Name] = string(s.Data[ref.SecretKeyRef.Key])
			}
		}
	}
	return out
}

// runBridge builds ./cmd/tokenbridge and runs it with env (and nothing of this process's
// environment but PATH and HOME), trusting the provider's certificate; it returns the bridge's
// combined output, and stops it when the test ends.
func runBridge(t *testing.T, env map[string]string, provider oidcprovider.Provider) *bytes.Buffer {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "tokenbridge")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tokenbridge")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/tokenbridge: %v\n%s", err, out)
	}
	ca := filepath.Join(dir, "provider-ca.pem")
	if err := os.WriteFile(ca, provider.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SSL_CERT_FILE=" + ca}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	waitFor(t, 30*time.Second, "the bridge is ready (knows its provider)", func() error {
		resp, err := http.Get(bridgeAddress() + tokenbridge.PathReady)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d", tokenbridge.PathReady, resp.StatusCode)
		}
		return nil
	})
	return logs
}

func bridgeAddress() string { return "http://127.0.0.1:" + strconv.Itoa(tokenbridge.Port) }

// platformBrowser is a browser with a cookie jar that follows no redirect itself, reaches the
// provider over its TLS, and reaches https://<domain>/oidc/ at the bridge process, as the
// Ingress would after terminating TLS: the URLs and cookies stay those of the platform's origin.
func platformBrowser(t *testing.T, domain string, provider oidcprovider.Provider) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		Transport:     ingress{domain: domain, provider: provider.Client.Transport},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type ingress struct {
	domain   string
	provider http.RoundTripper
}

func (i ingress) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() != i.domain {
		return i.provider.RoundTrip(r)
	}
	if !strings.HasPrefix(r.URL.Path, tokenbridge.PathPrefix) {
		return nil, fmt.Errorf("the test's ingress routes only %s to the bridge, not %s", tokenbridge.PathPrefix, r.URL.Path)
	}
	backend := r.Clone(r.Context())
	backend.URL.Scheme, backend.URL.Host, backend.Host = "http", strings.TrimPrefix(bridgeAddress(), "http://"), i.domain
	return http.DefaultTransport.RoundTrip(backend)
}

// roomToken follows the bridge's callback and returns the token of its redirect to the room,
// which must carry it in the fragment only.
func roomToken(t *testing.T, browser *http.Client, callback *url.URL, domain, room string) string {
	t.Helper()
	resp, err := browser.Get(callback.String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	loc, err := resp.Location()
	if err != nil {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("the callback did not send the browser to the room (%d): %s", resp.StatusCode, body)
	}
	token, ok := strings.CutPrefix(loc.Fragment, "jwt=")
	if loc.Host != domain || loc.Path != "/"+room || loc.RawQuery != "" || !ok || token == "" {
		t.Fatalf("the callback sent the browser to %s%s (query %q, a #jwt= fragment: %v), want https://%s/%s#jwt=…", loc.Host, loc.Path, loc.RawQuery, ok, domain, room)
	}
	return token
}
