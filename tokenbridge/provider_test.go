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

package tokenbridge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The OpenID provider of these tests is zitadel/oidc's example OP (a certified OP library's own
// server, mounted on an httptest TLS server so that the issuer is https and matches), with its
// in-memory storage and static users: id1 "test-user@127.0.0.1" (Test User) and id2
// "test-user2" (Test User2), password "verysecure" (example/server/storage/user.go).
const (
	testPassword     = "verysecure"
	confidentialID   = "meet-web"
	confidentialPass = "client-secret-of-the-test"
	publicClientID   = "meet-public"
	groupsClaim      = "groups"
)

// testStorage adds two things the example storage lacks, through the hooks the library offers
// any storage: the example User has no groups, so op.CanSetUserinfoFromRequest (called for
// every ID token, pkg/op/token.go CreateIDToken) appends a groups claim, as a Keycloak group
// mapper would; and its clients keep profile claims out of the ID token when an access token
// is issued, so every client asserts them there (op.Client.IDTokenUserinfoClaimsAssertion), as
// Keycloak does by default.
type testStorage struct {
	*storage.Storage
	groups map[string][]string
}

func (s *testStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	if g := s.groups[req.GetSubject()]; len(g) > 0 {
		info.AppendClaims(groupsClaim, g)
	}
	return nil
}

func (s *testStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return profileInIDToken{c}, nil
}

type profileInIDToken struct{ op.Client }

func (profileInIDToken) IDTokenUserinfoClaimsAssertion() bool { return true }

// provider is a running OP and the TLS client that trusts it.
type provider struct {
	issuer string
	client *http.Client
}

// startProvider serves the OP for a bridge whose callback is redirectURI, with the given
// group memberships by user ID.
func startProvider(t *testing.T, redirectURI string, groups map[string][]string) provider {
	t.Helper()
	var handler http.Handler
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	clients := map[string]*storage.Client{
		confidentialID: storage.WebClient(confidentialID, confidentialPass, redirectURI),
		publicClientID: storage.NativeClient(publicClientID, redirectURI),
	}
	st := &testStorage{Storage: storage.NewStorageWithClients(storage.NewUserStore(ts.URL), clients), groups: groups}
	// A nil logger keeps the example from replacing the process's default logger.
	handler = exampleop.SetupServer(ts.URL, st, nil, false)
	return provider{issuer: ts.URL, client: ts.Client()}
}
