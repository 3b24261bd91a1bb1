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

package render

import "github.com/meetwarden/meetwarden/controllers/settings"

// Option tells Objects what the cluster offers beyond the spec: what the reconciler found
// (which controller serves the Ingress, which optional kinds are served). The rendering stays
// a pure function of the spec and its options.
type Option func(*options)

type options struct {
	traefikMiddlewares bool
	gatewayHeaders     bool
	media              settings.MediaInputs
	tokenBridgeImage   string
}

// collect applies opts to the defaults.
func collect(opts []Option) options {
	o := options{tokenBridgeImage: settings.DefaultTokenBridgeImage}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithTokenBridgeImage names the image the token bridge runs: the operator's own, which holds
// the bridge binary. Default settings.DefaultTokenBridgeImage.
func WithTokenBridgeImage(image string) Option {
	return func(o *options) {
		if image != "" {
			o.tokenBridgeImage = image
		}
	}
}

// WithMedia passes what the cluster says about the videobridges' public addresses (a load
// balancer's address, the nodes' ExternalIPs): the reconciler reads them and the renderer stays
// pure. A new address changes only the affected bridges' Deployments.
func WithMedia(media settings.MediaInputs) Option {
	return func(o *options) { o.media = media }
}

// WithGatewayResponseHeaders adds the operator's response headers to the HTTPRoute as a
// ResponseHeaderModifier: for a platform whose every Gateway supports it (evaluate.
// ResponseHeadersSupported). Without it the web pods alone send them.
func WithGatewayResponseHeaders() Option {
	return func(o *options) { o.gatewayHeaders = true }
}

// WithTraefikMiddlewares renders the redirect and the headers of an Ingress that Traefik
// serves as Traefik Middlewares: for a platform whose IngressClass's controller is Traefik, on
// a cluster that serves the Middleware kind. Without it, a Traefik Ingress references no
// Middleware, since a reference Traefik cannot resolve takes its router down.
func WithTraefikMiddlewares() Option {
	return func(o *options) { o.traefikMiddlewares = true }
}
