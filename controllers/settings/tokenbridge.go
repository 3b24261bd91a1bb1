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

package settings

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/tokenbridge"
)

// TokenBridge is the OIDC token bridge (package tokenbridge): optional, rendered only for a
// platform with access.authentication OIDC. Its restart ends no meeting, so it is not in
// MeetingComponents.
const TokenBridge Component = "tokenbridge"

// OptionalComponents are rendered only when the spec asks for them: coturn with turn.own, the
// token bridge with OIDC.
var OptionalComponents = []Component{TURN, TokenBridge}

// PlatformComponents are the components the platform runs: the Jitsi components, TURN with
// turn.own and the token bridge with OIDC.
func PlatformComponents(mp *v1alpha1.MeetingPlatform) []Component {
	out := slices.Clone(Components)
	if OwnTURN(mp) != nil {
		out = append(out, TURN)
	}
	if UsesTokenBridge(mp) {
		out = append(out, TokenBridge)
	}
	return out
}

// AllComponents are the four Jitsi components and the optional ones; the environment tables
// name an optional component only when the spec configures it.
func AllComponents() []Component {
	return append(append([]Component{}, Components...), OptionalComponents...)
}

// UsesTokenBridge reports whether the platform logs users in through the token bridge.
func UsesTokenBridge(mp *v1alpha1.MeetingPlatform) bool {
	return mp.Spec.Access.Authentication == v1alpha1.AuthenticationOIDC && mp.Spec.Access.OIDC != nil
}

// TokenBridgePort is the bridge's plain HTTP port, in the container and on its Service; TLS
// ends at the ingress controller or the Gateway, as for web.
const TokenBridgePort int32 = tokenbridge.Port

// TokenBridgeReadyProbe and TokenBridgeLiveProbe run the bridge's own health check inside its
// container: ready once it knows its provider, alive while its server answers.
var (
	TokenBridgeReadyProbe = []string{TokenBridgeBinary, tokenbridge.HealthcheckCommand, tokenbridge.PathReady}
	TokenBridgeLiveProbe  = []string{TokenBridgeBinary, tokenbridge.HealthcheckCommand, tokenbridge.PathHealth}
)

// TokenBridgeUser is the UID and GID of distroless's nonroot user, which the operator's image
// (and so the bridge) runs as.
const TokenBridgeUser int64 = 65532

// TokenBridgeBinary is the bridge in the operator's image (Dockerfile).
const TokenBridgeBinary = "/tokenbridge"

// TokenBridgeCommand runs the bridge.
var TokenBridgeCommand = []string{TokenBridgeBinary}

// DefaultTokenBridgeImage is the image the bridge runs unless the operator is told its own
// (--tokenbridge-image, which the chart sets to the operator's image).
const DefaultTokenBridgeImage = "ghcr.io/meetwarden/meetwarden:dev"

// OIDCAppID is the iss and aud of the room tokens the bridge signs and prosody accepts
// (JWT_APP_ID). It names no one: the tokens only pass between the platform's own components.
const OIDCAppID = "meetwarden-tokenbridge"

// The keys of the credentials Secret that hold the bridge's generated secrets: the room token
// signing secret, shared with prosody, and the key that seals the login cookie.
const (
	TokenBridgeSigningKey = tokenbridge.EnvAppSecret
	TokenBridgeCookieKey  = tokenbridge.EnvCookieKey
)

// TokenAuthURLVariable is the web image's variable for config.tokenAuthUrl, where the client
// sends a user without a token; {room} is the client's placeholder for the room name
// (jitsi-meet react/features/authentication/functions.web.ts, getTokenAuthUrl).
const TokenAuthURLVariable = "TOKEN_AUTH_URL"

// TokenAuthURL is the bridge's login address the web client sends unauthenticated users to.
func TokenAuthURL(mp *v1alpha1.MeetingPlatform) string {
	return PublicURL(mp) + tokenbridge.PathLogin + "?" + tokenbridge.RoomParameter + "={room}"
}

// MaxOIDCTokenLifetime is the bound the API enforces on access.oidc.tokenLifetime and ACC-6
// checks on the live bridge.
const MaxOIDCTokenLifetime = tokenbridge.MaxTokenLifetime

// OIDCTokenLifetime is the spec's token lifetime; the API's pattern and bound make it parse.
func OIDCTokenLifetime(o *v1alpha1.OIDCSpec) time.Duration {
	d, err := time.ParseDuration(o.TokenLifetime)
	if err != nil {
		d, _ = time.ParseDuration(v1alpha1.DefaultOIDCTokenLifetime)
	}
	return d
}

// DefaultHTTPSPort is the port of an https:// URL without one.
const DefaultHTTPSPort int32 = 443

// IssuerPort is the port the bridge connects to at the provider: the issuer URL's, else 443.
func IssuerPort(raw string) int32 {
	if u, err := url.Parse(raw); err == nil {
		if p, err := strconv.ParseInt(u.Port(), 10, 32); err == nil && p > 0 && p <= 65535 {
			return int32(p)
		}
	}
	return DefaultHTTPSPort
}

// tokenBridgeOnly is the rule target of the bridge's own settings.
var tokenBridgeOnly = []Component{TokenBridge}

// oidcRules are the variables of an OIDC platform: prosody checks the bridge's tokens, the web
// client sends users to the bridge, and the bridge's settings follow access.oidc. ACC-6
// requires each on the live objects with exactly this value.
func oidcRules(mp *v1alpha1.MeetingPlatform) []rule {
	o := mp.Spec.Access.OIDC
	rules := []rule{
		{prosodyOnly, "JWT_APP_ID", OIDCAppID, ACC1, "only tokens the platform's token bridge signs are accepted"},
		{webOnly, TokenAuthURLVariable, TokenAuthURL(mp), ACC6, "users without a token log in through the platform's own token bridge"},
		{tokenBridgeOnly, tokenbridge.EnvIssuerURL, o.IssuerURL, ACC6, "the provider of spec.access.oidc.issuerURL, over https"},
		{tokenBridgeOnly, tokenbridge.EnvClientID, o.ClientID, ACC6, "the client of spec.access.oidc.clientID"},
		{tokenBridgeOnly, tokenbridge.EnvPublicURL, PublicURL(mp), ACC6, "the callback and the rooms lie on the platform's https origin"},
		{tokenBridgeOnly, tokenbridge.EnvAppID, OIDCAppID, ACC6, "tokens are issued for prosody's JWT_APP_ID"},
		{tokenBridgeOnly, tokenbridge.EnvDisplayNameClaim, o.DisplayNameClaim, ACC6, "the one claim shown in the meeting"},
		{tokenBridgeOnly, tokenbridge.EnvTokenLifetime, OIDCTokenLifetime(o).String(), ACC6, "room tokens live as long as spec.access.oidc.tokenLifetime"},
	}
	if o.GroupsClaim != "" {
		rules = append(rules, rule{tokenBridgeOnly, tokenbridge.EnvGroupsClaim, o.GroupsClaim, ACC6, "group membership is read only because groups are configured"})
	}
	if len(o.ModeratorGroups) > 0 {
		rules = append(rules,
			rule{tokenBridgeOnly, tokenbridge.EnvModeratorGroups, strings.Join(o.ModeratorGroups, ","), ACC6, "the groups of spec.access.oidc.moderatorGroups"},
			// token_affiliation (jitsi-contrib, in the image's /prosody-plugins-contrib) makes
			// a user with context.user.moderator owner of the room; jicofo's auto-owner would
			// otherwise make whoever joins first moderator.
			rule{prosodyOnly, TokenAffiliationVariable, TokenAffiliationModule, ACC6, "moderators are the members of spec.access.oidc.moderatorGroups"},
			rule{jicofoOnly, "ENABLE_AUTO_OWNER", False, ACC6, "nobody becomes moderator just by joining first"},
		)
	}
	if len(o.AllowedGroups) > 0 {
		rules = append(rules, rule{tokenBridgeOnly, tokenbridge.EnvAllowedGroups, strings.Join(o.AllowedGroups, ","), ACC6, "only members of spec.access.oidc.allowedGroups get a token"})
	}
	return rules
}

// TokenAffiliationVariable loads MUC modules in prosody; ForbiddenEnv forbids it except with
// the value an OIDC platform's moderator groups need.
const (
	TokenAffiliationVariable = "XMPP_MUC_MODULES"
	TokenAffiliationModule   = "token_affiliation"
)

// oidcSecretEnvs are the bridge's credentials and prosody's share of them.
func oidcSecretEnvs(mp *v1alpha1.MeetingPlatform) []SecretEnv {
	creds := CredentialsSecretName(mp)
	out := []SecretEnv{
		{Prosody, "JWT_APP_SECRET", creds, TokenBridgeSigningKey, ACC3, "verifies the room tokens of the token bridge"},
		{TokenBridge, tokenbridge.EnvAppSecret, creds, TokenBridgeSigningKey, ACC3, "signs the room tokens"},
		{TokenBridge, tokenbridge.EnvCookieKey, creds, TokenBridgeCookieKey, ACC3, "seals the login cookie"},
	}
	if ref := mp.Spec.Access.OIDC.ClientSecretRef; ref != nil {
		out = append(out, SecretEnv{TokenBridge, tokenbridge.EnvClientSecret, ref.Name, ref.Key, ACC3, "the client secret of spec.access.oidc.clientSecretRef"})
	}
	return out
}
