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

package main

import (
	"crypto/rand"
	"log/slog"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/meetwarden/meetwarden/controllers/render"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
	"github.com/meetwarden/meetwarden/tokenbridge"
)

// TestTheRenderedEnvironmentStartsTheBridge: the environment the operator renders for the
// bridge (its literal values, and a generated value for each secretKeyRef, as the kubelet
// would resolve them) is a configuration the bridge starts with, carrying the spec's settings.
func TestTheRenderedEnvironmentStartsTheBridge(t *testing.T) {
	mp := settings.Defaulted(fixtures.OIDCModeratorsPublicClient())
	objs, err := render.Objects(mp)
	if err != nil {
		t.Fatal(err)
	}
	var bridge *appsv1.Deployment
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == settings.Name(mp, string(settings.TokenBridge)) {
			bridge = d
		}
	}
	if bridge == nil {
		t.Fatal("no token bridge rendered for an OIDC platform")
	}
	for _, e := range bridge.Spec.Template.Spec.Containers[0].Env {
		value := e.Value
		if e.ValueFrom != nil {
			value = rand.Text() + rand.Text() // 52 characters, like a generated credential
		}
		t.Setenv(e.Name, value)
	}
	cfg, err := configFromEnv(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokenbridge.New(cfg); err != nil {
		t.Fatalf("the bridge refuses the rendered environment: %v", err)
	}
	o := mp.Spec.Access.OIDC
	if cfg.IssuerURL != o.IssuerURL || cfg.ClientID != o.ClientID || cfg.ClientSecret != "" || cfg.TokenLifetime != 10*time.Minute ||
		cfg.PublicURL != settings.PublicURL(mp) || cfg.AppID != settings.OIDCAppID || cfg.GroupsClaim != o.GroupsClaim ||
		!slices.Equal(cfg.ModeratorGroups, o.ModeratorGroups) || !slices.Equal(cfg.AllowedGroups, o.AllowedGroups) {
		// The configuration holds secrets: only its settings are shown.
		t.Errorf("the bridge's configuration (issuer %q, client %q, lifetime %s, public URL %q, app %q, groups claim %q, moderators %v, allowed %v) does not carry spec.access.oidc %+v",
			cfg.IssuerURL, cfg.ClientID, cfg.TokenLifetime, cfg.PublicURL, cfg.AppID, cfg.GroupsClaim, cfg.ModeratorGroups, cfg.AllowedGroups, o)
	}
}
