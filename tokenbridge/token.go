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
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// maxDisplayNameBytes caps the name shown in the meeting; a longer claim is cut.
const maxDisplayNameBytes = 128

// user is all the bridge takes from the ID token.
type user struct {
	name      string
	moderator bool
}

// userFrom reads the display name and, when groups are configured, the group membership; no
// other claim leaves this function.
func (b *Bridge) userFrom(claims map[string]any) (user, error) {
	name, _ := claims[b.cfg.DisplayNameClaim].(string)
	name = truncate(strings.TrimSpace(name))
	if name == "" {
		return user{}, errors.New("the ID token has no display name claim " + b.cfg.DisplayNameClaim)
	}
	groups := stringList(claims[b.cfg.GroupsClaim])
	if len(b.cfg.AllowedGroups) > 0 && !intersects(groups, b.cfg.AllowedGroups) {
		return user{}, errors.New("the user is in none of the groups allowed to enter")
	}
	return user{name: name, moderator: intersects(groups, b.cfg.ModeratorGroups)}, nil
}

// Claims is the Jitsi token. Only what prosody checks and the meeting shows: iss and aud
// (JWT_APP_ID, compared by string equality), sub (the tenant prosody binds, here the platform
// domain: not the user's subject), room, nbf and exp, the display name and the moderator flag
// that prosody's token_affiliation module reads (context.user.moderator).
//
// aud is a plain string: prosody's verifier passes an array audience only for '*'
// (luajwtjitsi.lib.lua M.verify), and jwt.ClaimStrings marshals one value as an array by
// default (golang-jwt/jwt/v5 types.go, MarshalSingleStringAsArray).
type Claims struct {
	Issuer    string           `json:"iss"`
	Audience  string           `json:"aud"`
	Subject   string           `json:"sub"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	Room      string           `json:"room"`
	Context   Context          `json:"context"`
}

// Context is the token's context claim.
type Context struct {
	User User `json:"user"`
}

// User is the token's context.user claim.
type User struct {
	Name      string `json:"name"`
	Moderator bool   `json:"moderator,omitempty"`
}

// The jwt.Claims interface, so that jwt.Parser checks exp and nbf as prosody does.

func (c Claims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c Claims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore, nil }
func (c Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c Claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c Claims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c Claims) GetAudience() (jwt.ClaimStrings, error)       { return jwt.ClaimStrings{c.Audience}, nil }

func (b *Bridge) jitsiToken(room string, u user) (string, error) {
	now := b.cfg.now()
	claims := Claims{
		Issuer:    b.cfg.AppID,
		Audience:  b.cfg.AppID,
		Subject:   publicHost(b.cfg.PublicURL),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(b.cfg.TokenLifetime)),
		Room:      room,
		Context:   Context{User: User{Name: u.name, Moderator: u.moderator}},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(b.cfg.AppSecret)
}

func publicHost(publicURL string) string {
	host := strings.TrimPrefix(publicURL, "https://")
	host, _, _ = strings.Cut(host, "/")
	return host
}

func truncate(s string) string {
	for len(s) > maxDisplayNameBytes {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// stringList reads a groups claim, which providers send as a list or as one string.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, item := range v {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func intersects(have, want []string) bool {
	return slices.ContainsFunc(have, func(g string) bool { return slices.Contains(want, g) })
}
