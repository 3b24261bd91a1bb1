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
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/meetwarden/meetwarden/test/oidcprovider"
)

const (
	testAppID      = "meet"
	testRoom       = "Weekly-Standup"
	moderators     = "meet-moderators"
	staff          = "staff"
	userWithGroups = oidcprovider.UserWithGroups
	userNoGroups   = oidcprovider.UserNoGroups
)

var testAppSecret = []byte("prosody-shares-this-secret-with-the-bridge-0123456789")

// harness is one bridge in front of one provider, a browser (cookie jar, no automatic
// redirects) and the bridge's captured log.
type harness struct {
	t       *testing.T
	bridge  *httptest.Server
	browser *http.Client
	clock   *clock
	logs    *lockedBuffer
	// secrets collects every value that must never reach a log: codes, states, tokens, names.
	secrets []string
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// newHarness starts a provider and a bridge configured by tweak.
func newHarness(t *testing.T, clientID, clientSecret string, tweak func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{now: time.Now()}, logs: &lockedBuffer{}}
	var bridge http.Handler
	h.bridge = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bridge.ServeHTTP(w, r) }))
	t.Cleanup(h.bridge.Close)
	groups := map[string][]string{userWithGroups: {moderators, staff}}
	p := oidcprovider.Start(t, h.bridge.URL+PathCallback, groups)
	cfg := Config{
		IssuerURL:        p.Issuer,
		ClientID:         clientID,
		ClientSecret:     clientSecret,
		PublicURL:        h.bridge.URL,
		AppID:            testAppID,
		AppSecret:        testAppSecret,
		CookieKey:        bytes.Repeat([]byte{7}, 32),
		DisplayNameClaim: "name",
		TokenLifetime:    5 * time.Minute,
		HTTPClient:       p.Client,
		Logger:           slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:              h.clock.Now,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	bridge = b
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Both test servers present httptest's one certificate, so the provider's client trusts both.
	h.browser = &http.Client{
		Transport:     p.Client.Transport,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(h.assertLogsHoldNoSecret)
	return h
}

// get fetches a URL without following its redirect.
func (h *harness) get(u string) *http.Response {
	h.t.Helper()
	resp, err := h.browser.Get(u)
	if err != nil {
		h.t.Fatalf("GET %s: %v", u, err)
	}
	h.t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// loginAtProvider opens the room through the bridge, fills in the provider's login form as
// userName and returns the provider's redirect to the bridge's callback, not yet followed.
func (h *harness) loginAtProvider(userName string) *url.URL {
	h.t.Helper()
	start := h.bridge.URL + PathLogin + "?" + RoomParameter + "=" + testRoom
	callback, err := oidcprovider.LogIn(h.browser, start, userName, func(u *url.URL) bool { return u.Path == PathCallback })
	if err != nil {
		h.t.Fatal(err)
	}
	h.secrets = append(h.secrets, callback.Query().Get("code"), callback.Query().Get("state"))
	return callback
}

// roomToken follows the callback and returns the token of the redirect to the room.
func (h *harness) roomToken(callback *url.URL) string {
	h.t.Helper()
	resp := h.get(callback.String())
	loc, err := resp.Location()
	if err != nil {
		body, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("the callback did not send the browser to the room (%d): %s", resp.StatusCode, body)
	}
	if loc.Path != "/"+testRoom || loc.RawQuery != "" {
		h.t.Fatalf("the callback sent the browser to %s%s?%s, want the room without a query", loc.Host, loc.Path, loc.RawQuery)
	}
	token, ok := strings.CutPrefix(loc.Fragment, "jwt=")
	if !ok || token == "" {
		h.t.Fatalf("the room URL carries no #jwt= fragment")
	}
	h.secrets = append(h.secrets, token)
	return token
}

// verifyAsProsody checks the token the way prosody is configured for the platform: HS256 with
// JWT_APP_SECRET, typ JWT, iss and aud JWT_APP_ID as strings, room present, exp enforced (the
// operator's env table and §5 of the reference: token/util.lib.lua, luajwtjitsi.lib.lua).
func verifyAsProsody(token string, at time.Time) (*Claims, error) {
	claims := &Claims{}
	parsed, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return testAppSecret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(testAppID), jwt.WithAudience(testAppID),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time { return at }))
	if err != nil {
		return nil, err
	}
	if parsed.Header["typ"] != "JWT" {
		return nil, errors.New("typ is not JWT")
	}
	if claims.Room == "" {
		return nil, errors.New("no room claim")
	}
	return claims, nil
}

// payload is the token's claims as JSON objects, to see which keys it carries at all.
func payload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (h *harness) assertLogsHoldNoSecret() {
	logs := h.logs.String()
	for _, s := range append(h.secrets, "Test User", "test-user", oidcprovider.ConfidentialSecret, string(testAppSecret)) {
		if s != "" && strings.Contains(logs, s) {
			h.t.Errorf("the bridge's log holds a secret or claim value (%.8s…):\n%s", s, logs)
		}
	}
}

func TestRoundTripIssuesARoomTokenProsodyAccepts(t *testing.T) {
	h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, nil)
	token := h.roomToken(h.loginAtProvider("test-user2"))

	claims, err := verifyAsProsody(token, h.clock.Now())
	if err != nil {
		t.Fatalf("prosody's settings refuse the token: %v", err)
	}
	if claims.Room != testRoom || claims.Context.User.Name != "Test User2" || claims.Context.User.Moderator {
		t.Errorf("claims = room %q, name %q, moderator %v; want %q, Test User2, false", claims.Room, claims.Context.User.Name, claims.Context.User.Moderator, testRoom)
	}
	if got := claims.ExpiresAt.Sub(h.clock.Now()); got > 5*time.Minute || got < 4*time.Minute {
		t.Errorf("the token lives %s, want the configured 5m", got)
	}
	// Claim minimisation: nothing of the ID token beyond the display name, and aud a string.
	p := payload(t, token)
	if got, want := keys(p), []string{"aud", "context", "exp", "iss", "nbf", "room", "sub"}; !slices.Equal(got, want) {
		t.Errorf("token claims = %v, want exactly %v", got, want)
	}
	if _, ok := p["aud"].(string); !ok {
		t.Errorf("aud = %#v, want a string (prosody compares it by string equality)", p["aud"])
	}
	if got := keys(p["context"].(map[string]any)["user"].(map[string]any)); !slices.Equal(got, []string{"name"}) {
		t.Errorf("context.user = %v, want only name", got)
	}
}

func TestRoundTripWithAPublicPKCEClient(t *testing.T) {
	h := newHarness(t, oidcprovider.PublicClientID, "", nil)
	if _, err := verifyAsProsody(h.roomToken(h.loginAtProvider("test-user2")), h.clock.Now()); err != nil {
		t.Fatalf("prosody's settings refuse the token of a public client's login: %v", err)
	}
}

func TestTheLoginCookieIsSealedHttpOnlySecureLax(t *testing.T) {
	h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, nil)
	resp := h.get(h.bridge.URL + PathLogin + "?" + RoomParameter + "=" + testRoom)
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("login set %d cookies, want 1", len(cookies))
	}
	c := cookies[0]
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != PathPrefix || c.MaxAge <= 0 || c.MaxAge > int(LoginTimeout.Seconds()) {
		t.Errorf("cookie = %+v, want HttpOnly, Secure, SameSite=Lax, Path %s, short Max-Age", c, PathPrefix)
	}
	loc, _ := resp.Location()
	state := loc.Query().Get("state")
	if state == "" || strings.Contains(c.Value, state) || loc.Query().Get("code_challenge_method") != "S256" || loc.Query().Get("nonce") == "" {
		t.Errorf("the provider redirect must carry state, nonce and an S256 challenge, and the cookie must not show the state in clear")
	}
}

func TestModeratorByGroup(t *testing.T) {
	withGroups := func(c *Config) { c.GroupsClaim = oidcprovider.GroupsClaim; c.ModeratorGroups = []string{moderators} }
	for user, want := range map[string]bool{"test-user@127.0.0.1": true, "test-user2": false} {
		h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, withGroups)
		token := h.roomToken(h.loginAtProvider(user))
		claims, err := verifyAsProsody(token, h.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if claims.Context.User.Moderator != want {
			t.Errorf("%s: moderator = %v, want %v", user, claims.Context.User.Moderator, want)
		}
		// The groups themselves stay out of the token: only the flag prosody needs.
		if strings.Contains(string(mustDecode(t, token)), staff) {
			t.Errorf("%s: the token names the user's groups", user)
		}
	}
}

func mustDecode(t *testing.T, token string) []byte {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRefusedWithoutTheRequiredGroup(t *testing.T) {
	allowStaff := func(c *Config) { c.GroupsClaim = oidcprovider.GroupsClaim; c.AllowedGroups = []string{staff} }
	h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, allowStaff)
	resp := h.get(h.loginAtProvider("test-user2").String())
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user outside the allowed groups got %d, want 403", resp.StatusCode)
	}
	if loc, err := resp.Location(); err == nil {
		t.Errorf("a user outside the allowed groups was sent to %s", loc.Path)
	}
	// A member of the group enters.
	member := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, allowStaff)
	if _, err := verifyAsProsody(member.roomToken(member.loginAtProvider("test-user@127.0.0.1")), member.clock.Now()); err != nil {
		t.Errorf("a member of the allowed group was refused: %v", err)
	}
}

func TestTheTokenIsRefusedAfterItsLifetime(t *testing.T) {
	h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, func(c *Config) { c.TokenLifetime = 2 * time.Minute })
	token := h.roomToken(h.loginAtProvider("test-user2"))
	if _, err := verifyAsProsody(token, h.clock.Now().Add(119*time.Second)); err != nil {
		t.Fatalf("the token is refused within its lifetime: %v", err)
	}
	if _, err := verifyAsProsody(token, h.clock.Now().Add(2*time.Minute+time.Second)); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("after its lifetime the token gives %v, want %v", err, jwt.ErrTokenExpired)
	}
}

func TestACallbackAfterTheLoginTimeoutIsRefused(t *testing.T) {
	h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, nil)
	callback := h.loginAtProvider("test-user2")
	h.clock.Advance(LoginTimeout + time.Second)
	if resp := h.get(callback.String()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a callback after the login timeout got %d, want 400", resp.StatusCode)
	}
}

func TestATamperedStateIsRefused(t *testing.T) {
	h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, nil)
	callback := h.loginAtProvider("test-user2")
	q := callback.Query()
	q.Set("state", q.Get("state")+"x")
	callback.RawQuery = q.Encode()
	resp := h.get(callback.String())
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a tampered state got %d, want 400", resp.StatusCode)
	}
	if !strings.Contains(h.logs.String(), "state does not match") {
		t.Errorf("the refusal is not logged with its reason:\n%s", h.logs.String())
	}
}

func TestATamperedOrReplayedCookieIsRefused(t *testing.T) {
	h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, nil)
	callback := h.loginAtProvider("test-user2")
	bridgeURL, _ := url.Parse(h.bridge.URL + PathPrefix)
	cookies := h.browser.Jar.Cookies(bridgeURL)
	if len(cookies) != 1 {
		t.Fatalf("the browser holds %d cookies for the bridge, want 1", len(cookies))
	}
	original := cookies[0].Value
	flipped := []byte(original)
	flipped[len(flipped)/2] ^= 1
	h.browser.Jar.SetCookies(bridgeURL, []*http.Cookie{{Name: loginCookieName, Value: string(flipped), Path: PathPrefix, Secure: true}})
	if resp := h.get(callback.String()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a tampered cookie got %d, want 400", resp.StatusCode)
	}
	// The first callback cleared the cookie; the original value played again finishes the
	// login once, and the code it carried is then spent at the provider.
	h.browser.Jar.SetCookies(bridgeURL, []*http.Cookie{{Name: loginCookieName, Value: original, Path: PathPrefix, Secure: true}})
	h.roomToken(callback)
	h.browser.Jar.SetCookies(bridgeURL, []*http.Cookie{{Name: loginCookieName, Value: original, Path: PathPrefix, Secure: true}})
	if resp := h.get(callback.String()); resp.StatusCode == http.StatusFound {
		t.Errorf("a replayed callback was sent to the room again")
	}
}

func TestLoginRefusesARoomNameItCannotCarry(t *testing.T) {
	h := newHarness(t, oidcprovider.ConfidentialID, oidcprovider.ConfidentialSecret, nil)
	for _, room := range []string{"", "a/b", "../x", "room?x=1", strings.Repeat("r", 129)} {
		resp := h.get(h.bridge.URL + PathLogin + "?" + RoomParameter + "=" + url.QueryEscape(room))
		if resp.StatusCode != http.StatusBadRequest || len(resp.Cookies()) != 0 {
			t.Errorf("room %q: %d with %d cookies, want 400 and none", room, resp.StatusCode, len(resp.Cookies()))
		}
	}
}

// The bridge is alive while it serves, and ready only while it knows its provider: a provider
// it cannot reach makes it unready (no login goes there), never restarts it.
func TestReadyOnlyWithAReachableProviderAliveRegardless(t *testing.T) {
	h := newHarness(t, "web", "secret", nil)
	if got := h.get(h.bridge.URL + PathReady).StatusCode; got != http.StatusOK {
		t.Fatalf("ready with a reachable provider: %d, want 200", got)
	}
	unreachable := newHarness(t, "web", "secret", func(c *Config) { c.IssuerURL = "https://127.0.0.1:1/" })
	if got := unreachable.get(unreachable.bridge.URL + PathReady).StatusCode; got != http.StatusServiceUnavailable {
		t.Errorf("ready with an unreachable provider: %d, want 503", got)
	}
	if got := unreachable.get(unreachable.bridge.URL + PathHealth).StatusCode; got != http.StatusOK {
		t.Errorf("alive with an unreachable provider: %d, want 200", got)
	}
}
