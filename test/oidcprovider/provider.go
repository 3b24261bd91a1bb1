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

// Package oidcprovider runs a real OpenID provider for tests: zitadel/oidc's example OP (a
// certified OP library's own server) on an httptest TLS server, so that the issuer is https and
// matches, with its in-memory storage and static users: id1 "test-user@127.0.0.1" (Test User)
// and id2 "test-user2" (Test User2), password "verysecure" (example/server/storage/user.go).
// The token bridge's own tests and the e2e suite log in through it; no test fakes a provider.
package oidcprovider

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The provider's clients, users and claims.
const (
	Password           = "verysecure"
	ConfidentialID     = "meet-web"
	ConfidentialSecret = "client-secret-of-the-test"
	PublicClientID     = "meet-public"
	GroupsClaim        = "groups"
	// The static users of the example storage, by ID and by login name.
	UserWithGroups = "id1"
	UserNoGroups   = "id2"
	NameNoGroups   = "test-user2"
)

// storageWithGroups adds two things the example storage lacks, through the hooks the library
// offers any storage: the example User has no groups, so op.CanSetUserinfoFromRequest (called
// for every ID token, pkg/op/token.go CreateIDToken) appends a groups claim, as a Keycloak group
// mapper would; and its clients keep profile claims out of the ID token when an access token is
// issued, so every client asserts them there (op.Client.IDTokenUserinfoClaimsAssertion), as
// Keycloak does by default.
type storageWithGroups struct {
	*storage.Storage
	groups map[string][]string
}

func (s *storageWithGroups) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	if g := s.groups[req.GetSubject()]; len(g) > 0 {
		info.AppendClaims(GroupsClaim, g)
	}
	return nil
}

func (s *storageWithGroups) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return profileInIDToken{c}, nil
}

type profileInIDToken struct{ op.Client }

func (profileInIDToken) IDTokenUserinfoClaimsAssertion() bool { return true }

// Provider is a running OP, the TLS client that trusts it, and its certificate as PEM (for a
// process that must trust it: SSL_CERT_FILE).
type Provider struct {
	Issuer string
	Client *http.Client
	CAPEM  []byte
}

// Start serves the OP for a relying party whose callback is redirectURI, with the given group
// memberships by user ID, until the test ends.
func Start(t testing.TB, redirectURI string, groups map[string][]string) Provider {
	t.Helper()
	var handler http.Handler
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	clients := map[string]*storage.Client{
		ConfidentialID: storage.WebClient(ConfidentialID, ConfidentialSecret, redirectURI),
		PublicClientID: storage.NativeClient(PublicClientID, redirectURI),
	}
	st := &storageWithGroups{Storage: storage.NewStorageWithClients(storage.NewUserStore(ts.URL), clients), groups: groups}
	// A nil logger keeps the example from replacing the process's default logger.
	handler = exampleop.SetupServer(ts.URL, st, nil, false)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	return Provider{Issuer: ts.URL, Client: ts.Client(), CAPEM: ca}
}

var loginFormID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// LogIn is a browser that follows start (the relying party's login URL) to the provider's login
// form, fills it in as userName and follows the provider's redirects until one points at a URL
// for which isCallback is true, which it returns, not yet followed. browser must not follow
// redirects itself and should keep cookies.
func LogIn(browser *http.Client, start, userName string, isCallback func(*url.URL) bool) (*url.URL, error) {
	resp, loc, err := follow(browser, start, func(*url.URL) bool { return false })
	if err != nil {
		return nil, err
	}
	if loc != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the login did not end at the provider's login form: %d", resp.StatusCode)
	}
	body, _ := io.ReadAll(resp.Body)
	m := loginFormID.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no auth request id in the provider's login form:\n%s", body)
	}
	form := url.Values{"username": {userName}, "password": {Password}, "id": {string(m[1])}}
	post, err := browser.PostForm(resp.Request.URL.String(), form)
	if err != nil {
		return nil, fmt.Errorf("POST login form: %w", err)
	}
	_ = post.Body.Close()
	next, err := post.Location()
	if err != nil {
		return nil, fmt.Errorf("the provider did not accept the login (%d): %w", post.StatusCode, err)
	}
	_, callback, err := follow(browser, next.String(), isCallback)
	if err != nil {
		return nil, err
	}
	if callback == nil {
		return nil, errors.New("the provider never sent the browser back to the callback")
	}
	return callback, nil
}

// follow walks redirects from u until a response is not a redirect or points at a URL for
// which stop returns true; it returns the last response (its body read to the end by the
// caller or left) and the URL it did not follow.
func follow(browser *http.Client, u string, stop func(*url.URL) bool) (*http.Response, *url.URL, error) {
	for range 10 {
		resp, err := browser.Get(u)
		if err != nil {
			return nil, nil, fmt.Errorf("GET %s: %w", u, err)
		}
		loc, err := resp.Location()
		if errors.Is(err, http.ErrNoLocation) {
			return resp, nil, nil
		}
		_ = resp.Body.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("location of %s: %w", u, err)
		}
		if stop(loc) {
			return resp, loc, nil
		}
		u = loc.String()
	}
	return nil, nil, fmt.Errorf("more than 10 redirects from %s", u)
}
