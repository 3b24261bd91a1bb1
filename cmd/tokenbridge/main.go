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

// Command tokenbridge runs meetwarden's OIDC token bridge for one platform. The operator
// deploys it and configures it through the environment (tokenbridge.Env*); it serves plain
// HTTP behind the platform's ingress, which terminates TLS.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/meetwarden/meetwarden/tokenbridge"
)

const (
	shutdownGrace      = 10 * time.Second
	healthcheckTimeout = 3 * time.Second
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == tokenbridge.HealthcheckCommand {
		os.Exit(healthcheck(os.Args[2]))
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("token bridge stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg, err := configFromEnv(log)
	if err != nil {
		return err
	}
	bridge, err := tokenbridge.New(cfg)
	if err != nil {
		return err
	}
	addr := ":" + strconv.Itoa(tokenbridge.Port)
	server := &http.Server{Addr: addr, Handler: bridge, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	log.Info("token bridge serving", "address", addr)
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// healthcheck is the probe: 0 when the bridge on loopback answers path (tokenbridge.PathHealth
// or PathReady) with 200.
func healthcheck(path string) int {
	if path != tokenbridge.PathHealth && path != tokenbridge.PathReady {
		return 2
	}
	c := &http.Client{Timeout: healthcheckTimeout}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(tokenbridge.Port) + path)
	if err != nil {
		return 1
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

func configFromEnv(log *slog.Logger) (tokenbridge.Config, error) {
	lifetime, err := time.ParseDuration(os.Getenv(tokenbridge.EnvTokenLifetime))
	if err != nil {
		return tokenbridge.Config{}, errors.New(tokenbridge.EnvTokenLifetime + ": not a duration")
	}
	return tokenbridge.Config{
		IssuerURL:        os.Getenv(tokenbridge.EnvIssuerURL),
		ClientID:         os.Getenv(tokenbridge.EnvClientID),
		ClientSecret:     os.Getenv(tokenbridge.EnvClientSecret),
		PublicURL:        os.Getenv(tokenbridge.EnvPublicURL),
		AppID:            os.Getenv(tokenbridge.EnvAppID),
		AppSecret:        []byte(os.Getenv(tokenbridge.EnvAppSecret)),
		CookieKey:        []byte(os.Getenv(tokenbridge.EnvCookieKey)),
		DisplayNameClaim: os.Getenv(tokenbridge.EnvDisplayNameClaim),
		GroupsClaim:      os.Getenv(tokenbridge.EnvGroupsClaim),
		ModeratorGroups:  tokenbridge.SplitList(os.Getenv(tokenbridge.EnvModeratorGroups)),
		AllowedGroups:    tokenbridge.SplitList(os.Getenv(tokenbridge.EnvAllowedGroups)),
		TokenLifetime:    lifetime,
		HTTPClient:       &http.Client{Timeout: 15 * time.Second},
		Logger:           log,
	}, nil
}
