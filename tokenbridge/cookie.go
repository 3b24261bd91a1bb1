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
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// loginCookieName carries the login round trip. __Secure- makes browsers accept it only over
// HTTPS with the Secure attribute.
const loginCookieName = "__Secure-meetwarden-login"

// pending is what the callback needs to finish a login: the values it compares with what comes
// back (state, nonce), the PKCE verifier for the code exchange, and the room to return to.
type pending struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Room     string    `json:"r"`
	Expires  time.Time `json:"e"`
}

var errBadCookie = errors.New("login cookie missing, tampered with or expired")

// sealer encrypts and authenticates the login cookie with AES-256-GCM from the standard
// library, so the browser can neither read the verifier nor change the room or state.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key[:minKeyBytes])
	if err != nil {
		return nil, fmt.Errorf("cookie key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("cookie key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(p pending) (string, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	// The cookie name is the additional data: a sealed value cannot be replayed under another name.
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(loginCookieName))
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

func (s *sealer) open(value string, now time.Time) (pending, error) {
	var p pending
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return p, errBadCookie
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(loginCookieName))
	if err != nil {
		return p, errBadCookie
	}
	if err := json.Unmarshal(plain, &p); err != nil || !now.Before(p.Expires) {
		return pending{}, errBadCookie
	}
	return p, nil
}

// loginCookie is HttpOnly (no script reads it), Secure, SameSite=Lax (sent on the provider's
// top-level redirect back to the callback, not on cross-site subrequests) and limited to the
// bridge's paths.
func loginCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     loginCookieName,
		Value:    value,
		Path:     PathPrefix,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   true,
		SameSite: http.SameSiteLaxMode,
	}
}
