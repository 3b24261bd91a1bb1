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

// Package tokenbridge is meetwarden's OpenID Connect relying party: it logs a user in at the
// platform's identity provider (authorization code flow with PKCE, state and nonce checked, ID
// token verified against the provider's keys) and sends the browser back to the room with a
// short-lived Jitsi token in the URL fragment, which never reaches a server. It keeps no session:
// what the login round trip needs lives in one sealed cookie that expires with it.
package tokenbridge

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The environment variables cmd/tokenbridge reads; the operator writes them into the bridge's
// Deployment and ACC-6 reads them back from the live object.
const (
	EnvIssuerURL        = "TOKENBRIDGE_ISSUER_URL"
	EnvClientID         = "TOKENBRIDGE_CLIENT_ID"
	EnvClientSecret     = "TOKENBRIDGE_CLIENT_SECRET"
	EnvPublicURL        = "TOKENBRIDGE_PUBLIC_URL"
	EnvAppID            = "TOKENBRIDGE_APP_ID"
	EnvAppSecret        = "TOKENBRIDGE_APP_SECRET"
	EnvCookieKey        = "TOKENBRIDGE_COOKIE_KEY"
	EnvDisplayNameClaim = "TOKENBRIDGE_DISPLAY_NAME_CLAIM"
	EnvGroupsClaim      = "TOKENBRIDGE_GROUPS_CLAIM"
	EnvModeratorGroups  = "TOKENBRIDGE_MODERATOR_GROUPS"
	EnvAllowedGroups    = "TOKENBRIDGE_ALLOWED_GROUPS"
	EnvTokenLifetime    = "TOKENBRIDGE_TOKEN_LIFETIME"
)

// Port is where the bridge serves plain HTTP; TLS ends at the platform's ingress controller or
// Gateway, in front of it.
const Port = 8080

// HealthcheckCommand, as the binary's first argument, asks the running bridge on loopback one
// of its health paths (the second argument: PathHealth or PathReady) and exits 0 if it
// answers 200: the probe runs inside the container, as for the Jitsi components, so no
// NetworkPolicy has to admit the kubelet.
const HealthcheckCommand = "healthcheck"

// The paths the bridge serves, all below PathPrefix so that one Ingress path routes them.
const (
	PathPrefix   = "/oidc/"
	PathLogin    = PathPrefix + "login"
	PathCallback = PathPrefix + "callback"
	// PathHealth answers while the server runs (liveness).
	PathHealth = PathPrefix + "healthz"
	// PathReady answers once the provider's discovery document and endpoints are known, so no
	// login is sent to a bridge that cannot reach its provider (readiness). A provider outage
	// makes the bridge unready, never restarts it.
	PathReady = PathPrefix + "readyz"
)

// RoomParameter is the query parameter of PathLogin that names the room; the web client's
// tokenAuthUrl fills it from its {room} placeholder.
const RoomParameter = "room"

// MaxTokenLifetime bounds the Jitsi token's lifetime; the API refuses a longer
// access.oidc.tokenLifetime, and the bridge refuses to start with one.
const MaxTokenLifetime = time.Hour

// LoginTimeout is how long a started login may take at the provider before its cookie expires
// and the callback is refused.
const LoginTimeout = 10 * time.Minute

// minKeyBytes is the length of the token signing secret and of the cookie key: HS256 and
// AES-256-GCM both need 256 bits.
const minKeyBytes = 32

// Config is everything one bridge needs. Secrets are byte slices read from the environment the
// operator fills from Secrets; nothing here is ever logged.
type Config struct {
	// IssuerURL is the provider's issuer; discovery reads IssuerURL/.well-known/openid-configuration.
	IssuerURL string
	// ClientID and ClientSecret are the bridge's client at the provider; without a secret it
	// is a public client and PKCE alone protects the code.
	ClientID     string
	ClientSecret string
	// PublicURL is https://<platform domain>: the callback lies below it and rooms are opened on it.
	PublicURL string
	// AppID is the iss and aud of the Jitsi token, prosody's JWT_APP_ID.
	AppID string
	// AppSecret signs the Jitsi token (HS256), prosody's JWT_APP_SECRET.
	AppSecret []byte
	// CookieKey seals the login cookie.
	CookieKey []byte
	// DisplayNameClaim is the ID token claim shown as the participant's name.
	DisplayNameClaim string
	// GroupsClaim is the ID token claim listing the user's groups; empty: groups are not read.
	GroupsClaim string
	// ModeratorGroups make a user a moderator; AllowedGroups, when set, are the only groups
	// whose members may enter at all.
	ModeratorGroups []string
	AllowedGroups   []string
	// TokenLifetime is the Jitsi token's lifetime.
	TokenLifetime time.Duration

	// HTTPClient talks to the provider; nil: http.DefaultClient.
	HTTPClient *http.Client
	// Logger receives one line per refused or failed login, never a value from the request.
	Logger *slog.Logger
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Validate refuses a configuration the bridge cannot run safely with, naming the setting.
func (c *Config) Validate() error {
	var errs []error
	if err := httpsURL(c.IssuerURL); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvIssuerURL, err))
	}
	if err := httpsURL(c.PublicURL); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvPublicURL, err))
	}
	if c.ClientID == "" {
		errs = append(errs, fmt.Errorf("%s: must not be empty", EnvClientID))
	}
	if c.AppID == "" {
		errs = append(errs, fmt.Errorf("%s: must not be empty", EnvAppID))
	}
	if len(c.AppSecret) < minKeyBytes {
		errs = append(errs, fmt.Errorf("%s: must be at least %d bytes", EnvAppSecret, minKeyBytes))
	}
	if len(c.CookieKey) < minKeyBytes {
		errs = append(errs, fmt.Errorf("%s: must be at least %d bytes", EnvCookieKey, minKeyBytes))
	}
	if c.DisplayNameClaim == "" {
		errs = append(errs, fmt.Errorf("%s: must not be empty", EnvDisplayNameClaim))
	}
	if c.GroupsClaim == "" && (len(c.ModeratorGroups) > 0 || len(c.AllowedGroups) > 0) {
		errs = append(errs, fmt.Errorf("%s: must be set when groups are configured", EnvGroupsClaim))
	}
	if c.TokenLifetime <= 0 || c.TokenLifetime > MaxTokenLifetime {
		errs = append(errs, fmt.Errorf("%s: must be positive and at most %s", EnvTokenLifetime, MaxTokenLifetime))
	}
	return errors.Join(errs...)
}

func httpsURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return errors.New("must be an absolute https:// URL")
	}
	return nil
}

// SplitList reads a comma-separated list from the environment, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

func (c *Config) redirectURL() string {
	return strings.TrimSuffix(c.PublicURL, "/") + PathCallback
}

func (c *Config) roomURL(room string) string {
	return strings.TrimSuffix(c.PublicURL, "/") + "/" + url.PathEscape(room)
}
