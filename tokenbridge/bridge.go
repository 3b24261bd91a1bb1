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
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// roomPattern is the room names the bridge issues tokens for: what a URL path segment carries
// without escaping. Prosody compares the token's room with the joined room lower-cased.
var roomPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$`)

// Bridge is the relying party. It is an http.Handler for the paths below PathPrefix.
type Bridge struct {
	cfg    Config
	sealer *sealer
	log    *slog.Logger
	mux    *http.ServeMux

	// The provider is discovered on first use and kept once found, so that a bridge started
	// while the provider is unreachable serves again as soon as it is back, without a restart.
	mu       sync.Mutex
	provider *oidc.Provider
}

// New checks the configuration and returns the bridge; it does not contact the provider yet.
func New(cfg Config) (*Bridge, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s, err := newSealer(cfg.CookieKey)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	b := &Bridge{cfg: cfg, sealer: s, log: log, mux: http.NewServeMux()}
	b.mux.HandleFunc("GET "+PathLogin, b.login)
	b.mux.HandleFunc("GET "+PathCallback, b.callback)
	b.mux.HandleFunc("GET "+PathHealth, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	b.mux.HandleFunc("GET "+PathReady, func(w http.ResponseWriter, _ *http.Request) {
		if _, err := b.discover(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	return b, nil
}

func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Nothing the bridge answers may be cached or leak the next URL through a Referer.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	b.mux.ServeHTTP(w, r)
}

func (b *Bridge) discover() (*oidc.Provider, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.provider != nil {
		return b.provider, nil
	}
	// The key set keeps this context for later key fetches (go-oidc jwks.go, newRemoteKeySet
	// uses context.WithoutCancel), so it carries the client, not a request's deadline.
	ctx := oidc.ClientContext(context.Background(), b.cfg.httpClient())
	p, err := oidc.NewProvider(ctx, b.cfg.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("discovering the provider: %w", err)
	}
	b.provider = p
	return p, nil
}

func (b *Bridge) oauth2Config(p *oidc.Provider) *oauth2.Config {
	endpoint := p.Endpoint()
	if b.cfg.ClientSecret == "" {
		// A public client sends its client_id in the form and proves itself by PKCE alone.
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID:     b.cfg.ClientID,
		ClientSecret: b.cfg.ClientSecret,
		Endpoint:     endpoint,
		RedirectURL:  b.cfg.redirectURL(),
		// profile asks for the display name; no email scope: the bridge does not want it.
		Scopes: []string{oidc.ScopeOpenID, "profile"},
	}
}

// login starts the round trip: a fresh state, nonce and PKCE verifier go into the sealed
// cookie, and the browser goes to the provider.
func (b *Bridge) login(w http.ResponseWriter, r *http.Request) {
	room := r.URL.Query().Get(RoomParameter)
	if !roomPattern.MatchString(room) {
		b.refuse(w, http.StatusBadRequest, "the room name is missing or not one the bridge issues tokens for")
		return
	}
	p, err := b.discover()
	if err != nil {
		b.fail(w, "provider unavailable", err)
		return
	}
	state, nonce := rand.Text(), rand.Text()
	verifier := oauth2.GenerateVerifier()
	value, err := b.sealer.seal(pending{State: state, Nonce: nonce, Verifier: verifier, Room: room, Expires: b.cfg.now().Add(LoginTimeout)})
	if err != nil {
		b.fail(w, "sealing the login cookie", err)
		return
	}
	http.SetCookie(w, loginCookie(value, int(LoginTimeout.Seconds())))
	target := b.oauth2Config(p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	http.Redirect(w, r, target, http.StatusFound)
}

// callback finishes it: the state must match the cookie's, the code is exchanged with the
// verifier, the ID token is verified and must carry the cookie's nonce.
func (b *Bridge) callback(w http.ResponseWriter, r *http.Request) {
	// The cookie has done its work whatever happens next: a second use is refused.
	http.SetCookie(w, loginCookie("", -1))
	cookie, err := r.Cookie(loginCookieName)
	if err != nil {
		b.refuse(w, http.StatusBadRequest, errBadCookie.Error())
		return
	}
	login, err := b.sealer.open(cookie.Value, b.cfg.now())
	if err != nil {
		b.refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(login.State)) != 1 {
		b.refuse(w, http.StatusBadRequest, "the state does not match the login")
		return
	}
	if q.Get("error") != "" {
		// The provider's error code is one of a fixed set (RFC 6749 4.1.2.1), not user data.
		b.refuse(w, http.StatusForbidden, "the provider refused the login: "+oauth2ErrorCode(q.Get("error")))
		return
	}
	claims, err := b.verifiedClaims(r.Context(), q.Get("code"), login)
	if err != nil {
		b.fail(w, "the login could not be verified", err)
		return
	}
	user, err := b.userFrom(claims)
	if err != nil {
		b.refuse(w, http.StatusForbidden, err.Error())
		return
	}
	token, err := b.jitsiToken(login.Room, user)
	if err != nil {
		b.fail(w, "signing the room token", err)
		return
	}
	// The token travels in the fragment: browsers never send it to a server, so it reaches
	// neither the platform's access log nor a Referer. The web client reads #jwt= first
	// (jitsi-meet react/features/base/jwt/functions.ts, parseJWTFromURLParams).
	http.Redirect(w, r, b.cfg.roomURL(login.Room)+"#jwt="+token, http.StatusFound)
}

func (b *Bridge) verifiedClaims(ctx context.Context, code string, login pending) (map[string]any, error) {
	p, err := b.discover()
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, b.cfg.httpClient())
	tok, err := b.oauth2Config(p).Exchange(ctx, code, oauth2.VerifierOption(login.Verifier))
	if err != nil {
		return nil, fmt.Errorf("exchanging the code: %w", redact(err))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, errors.New("the provider returned no ID token")
	}
	verifier := p.Verifier(&oidc.Config{ClientID: b.cfg.ClientID, Now: b.cfg.now})
	idToken, err := verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("verifying the ID token: %w", err)
	}
	// go-oidc leaves the nonce to the caller (verify.go, IDTokenVerifier.Verify).
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(login.Nonce)) != 1 {
		return nil, errors.New("the ID token's nonce does not match the login")
	}
	claims := map[string]any{}
	if err := idToken.Claims(&claims); err != nil {
		return nil, fmt.Errorf("reading the ID token's claims: %w", err)
	}
	return claims, nil
}

// refuse answers a request the bridge will not serve; the log names the reason, never a value.
func (b *Bridge) refuse(w http.ResponseWriter, status int, reason string) {
	b.log.Info("login refused", "reason", reason, "status", status)
	http.Error(w, reason, status)
}

// fail answers a login that broke on the bridge's or the provider's side.
func (b *Bridge) fail(w http.ResponseWriter, what string, err error) {
	b.log.Error("login failed", "step", what, "error", err.Error())
	http.Error(w, what, http.StatusBadGateway)
}

// oauth2ErrorCode passes the RFC 6749 error codes and nothing else, so no provider-chosen text
// reaches the log or the page.
func oauth2ErrorCode(code string) string {
	switch code {
	case "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
		"invalid_scope", "server_error", "temporarily_unavailable", "login_required",
		"consent_required", "interaction_required":
		return code
	}
	return "unknown error"
}

// redact keeps the provider's OAuth2 error code and drops its response body, which may echo
// the request (the code among it).
func redact(err error) error {
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		return fmt.Errorf("the token endpoint answered %d (%s)", re.Response.StatusCode, oauth2ErrorCode(re.ErrorCode))
	}
	return errors.New("the token endpoint could not be reached")
}
