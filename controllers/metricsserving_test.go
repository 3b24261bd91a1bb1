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
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"
)

// The metrics endpoint as cmd/main.go builds it by default, judged by the real API server: it
// refuses a caller without a token and one whose ServiceAccount lacks the metrics-reader
// ClusterRole of config/rbac, and serves one that has it, over TLS with HTTP/1.1.
func TestTheMetricsEndpointServesOnlyTokensTheMetricsReaderRoleAdmits(t *testing.T) {
	ctx := context.Background()
	url := startMetricsServer(t, MetricsServing{BindAddress: freeLocalAddress(t), Secure: true})
	ns := newNamespace(t)
	reader := serviceAccountToken(t, ns, "prometheus")
	stranger := serviceAccountToken(t, ns, "stranger")
	bindMetricsReader(t, ns, "prometheus")

	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		// The API server's TokenReview answers with an error for a token it does not know,
		// which controller-runtime's filter reports as 500, not 401 (v0.24,
		// pkg/metrics/filters/filters.go: an authentication error is "Authentication failed").
		// Refused either way: no metrics.
		{"a token the API server does not know", "not-a-token", http.StatusInternalServerError},
		{"a ServiceAccount without metrics-reader", stranger, http.StatusForbidden},
		{"a ServiceAccount bound to metrics-reader", reader, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := scrapeWith(t, ctx, url, tc.token)
			if resp.StatusCode != tc.want {
				t.Fatalf("GET %s = %s, want %d: %s", url, resp.Status, tc.want, body)
			}
			if resp.Proto != "HTTP/1.1" {
				t.Errorf("served over %s, want HTTP/1.1 (HTTP/2 is off)", resp.Proto)
			}
			if tc.want == http.StatusOK && !strings.Contains(body, "meetwarden_cache_degraded ") {
				t.Errorf("the authorised scrape lacks the operator's metrics:\n%s", body)
			}
			if tc.want != http.StatusOK && strings.Contains(body, "meetwarden_") {
				t.Errorf("a refused scrape still shows metrics:\n%s", body)
			}
		})
	}
}

// startMetricsServer runs the metrics server of the options on the test API server and returns
// its URL once it answers.
func startMetricsServer(t *testing.T, m MetricsServing) string {
	t.Helper()
	httpClient, err := rest.HTTPClientFor(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := metricsserver.NewServer(m.Options(), testConfig, httpClient)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("metrics server: %v", err)
		}
	})
	url := "https://" + m.BindAddress + "/metrics"
	eventually(t, "the metrics server to listen", func() error {
		conn, err := net.DialTimeout("tcp", m.BindAddress, time.Second)
		if err == nil {
			_ = conn.Close()
		}
		return err
	})
	return url
}

// scrapeWith GETs url with the bearer token (none when empty), as Prometheus does: TLS without
// verifying the self-signed certificate, HTTP/2 offered.
func scrapeWith(t *testing.T, ctx context.Context, url, token string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // the certificate is self-signed, as in production without metrics.certSecretName
		ForceAttemptHTTP2: true,
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func freeLocalAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// serviceAccountToken creates a ServiceAccount and a short-lived token for it (TokenRequest).
func serviceAccountToken(t *testing.T, ns, name string) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := k8s.Create(ctx, sa); err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(600))}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("requesting a token for %s/%s: %v", ns, name, err)
	}
	return tr.Status.Token
}

// bindMetricsReader installs config/rbac's metrics-reader ClusterRole (once) and binds it to
// the ServiceAccount, then waits until the API server's authorizer says so: the endpoint caches
// a denial for 30 s.
func bindMetricsReader(t *testing.T, ns, serviceAccount string) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join("..", "config", "rbac", "metrics_reader_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(raw, &role); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, &role); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-metrics-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: serviceAccount}},
	}
	if err := k8s.Create(ctx, binding); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), binding) })
	user := fmt.Sprintf("system:serviceaccount:%s:%s", ns, serviceAccount)
	eventually(t, user+" to be allowed to get /metrics", func() error {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/metrics", Verb: "get"}}}
		if err := k8s.Create(ctx, sar); err != nil {
			return err
		}
		if !sar.Status.Allowed {
			return fmt.Errorf("not allowed yet: %s", sar.Status.Reason)
		}
		return nil
	})
}
