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

package controllers

import (
	"crypto/tls"

	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The metrics say which controls of which platform fail: served to anyone on the network, they
// tell an attacker where to look. By default they are served over HTTPS, and only to a caller
// whose bearer token the API server accepts (TokenReview) and who may `get` the non-resource
// URL /metrics (SubjectAccessReview), as the metrics-reader ClusterRole grants.
//
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// MetricsServing says how the manager serves /metrics.
type MetricsServing struct {
	// BindAddress is the listen address; "0" disables the endpoint.
	BindAddress string
	// Secure serves HTTPS with authentication and authorization. Off only for local tests that
	// scrape with plain HTTP.
	Secure bool
	// CertDir holds tls.crt and tls.key; when they are absent controller-runtime serves a
	// self-signed certificate generated at start (v0.24, pkg/metrics/server/server.go:
	// createListener).
	CertDir string
}

// Options are the metrics server options of the manager.
func (m MetricsServing) Options() metricsserver.Options {
	if !m.Secure {
		return metricsserver.Options{BindAddress: m.BindAddress}
	}
	return metricsserver.Options{
		BindAddress:    m.BindAddress,
		SecureServing:  true,
		FilterProvider: filters.WithAuthenticationAndAuthorization,
		CertDir:        m.CertDir,
		TLSOpts:        []func(*tls.Config){http1Only},
	}
}

// http1Only turns HTTP/2 off: its stream handling allowed the "rapid reset" and CONTINUATION
// flood denials of service (CVE-2023-44487, CVE-2023-45288), and a scrape gains nothing from it.
// controller-runtime offers h2 unless told otherwise (pkg/metrics/server/server.go sets
// NextProtos to h2 before applying TLSOpts).
func http1Only(c *tls.Config) {
	c.NextProtos = []string{"http/1.1"}
}
