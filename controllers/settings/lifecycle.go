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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"slices"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// This file is the life cycle of the components: how the kubelet tells ready from alive, how a
// bridge drains before it stops, and what evictions may take. Facts about the images are from
// docker-jitsi-meet stable-11146-2 (image scripts and templates); those about the programs from
// the sources of jitsi-videobridge (a29d97d), jicofo (7ebb13d) and jicoco (e8384e2), as the
// images install the release's Debian packages without naming a commit. Nothing here has run
// against a live bridge: no container runs on the project's build machines.

// Loopback HTTP servers the probes and the drain hook ask. Both are bound to 127.0.0.1 (jicofo's
// by default, jicofo reference.conf rest.host; the bridge's by JVBConfig), so no NetworkPolicy
// exception and no port on the pod address is needed.
const (
	// JVBPrivatePort is the videobridge's private HTTP server: health, version, drain and
	// Prometheus metrics (image jvb.conf L94-98; the image's healthcheck.sh L3 asks it).
	JVBPrivatePort int32 = 8080
	// JicofoRESTPort is jicofo's REST server (jicofo reference.conf rest.port; the image's
	// healthcheck.sh L3 asks it).
	JicofoRESTPort int32 = 8888
)

// Paths on those servers.
const (
	// HealthPath answers 200 only when the component can take work: jicofo needs an
	// operational bridge and a working XMPP connection (jicofo JicofoHealthChecker.kt
	// L100-144), the bridge its media port bound (JvbHealthChecker.kt L44-58). Both served by
	// jicoco's Health resource or jicofo's ktor route /about/health.
	HealthPath = "/about/health"
	// VersionPath answers as long as the HTTP server of the JVM runs, with no check behind it
	// (jicoco rest/Version.java L28; jicofo ktor Application.kt L131-134).
	VersionPath = "/about/version"
	// ProsodyHealthPath is mod_http_health on prosody's HTTP port: 500 while a module of any
	// host is in error, else 200, loopback only (image prosody-plugins/mod_http_health.lua).
	ProsodyHealthPath = "/health"
	// DrainPath puts the bridge in drain mode: jicofo places new conferences on another
	// bridge while there is one (jicofo BridgeSelector.kt L204-208) and the running ones
	// stay. The drain API is on by default and, unlike the shutdown API, needs no COLIBRI
	// REST API (JVB reference.conf rest.drain; RestConfig.kt L69-80; rest/root/colibri/drain/
	// Drain.java L33-58).
	DrainPath = "/colibri/drain/enable"
	// MetricsPath is the bridge's Prometheus endpoint (JVB rest/prometheus/Prometheus.java L38;
	// rest.prometheus on by default), where the drain hook reads ConferencesMetric.
	MetricsPath = "/metrics"
	// ConferencesMetric is the bridge's gauge of its current conferences (JVB
	// VideobridgeMetrics.kt L220-223 in namespace jitsi_jvb, VideobridgeMetricsContainer.kt L23).
	ConferencesMetric = "jitsi_jvb_conferences"
)

// JVBStopSeconds is what the bridge gets after its drain to exit on SIGTERM, on top of
// spec.components.jvb.drainSeconds: the kubelet kills the container once the grace period is
// over, preStop hook included.
const JVBStopSeconds int32 = 30

// DrainSeconds is spec.components.jvb.drainSeconds of a defaulted platform.
func DrainSeconds(mp *v1alpha1.MeetingPlatform) int32 {
	return ptr.Deref(mp.Spec.Components.JVB.DrainSeconds, v1alpha1.DefaultDrainSeconds)
}

// DrainPollSeconds is how often the drain hook looks whether the last conference has ended.
const DrainPollSeconds = 10

// TerminationGraceSeconds is the termination grace of a component's pods: the drain plus the
// stop for a bridge; the kubelet's default for the others, which stop at once (what that
// costs: docs/usage.md).
func TerminationGraceSeconds(mp *v1alpha1.MeetingPlatform, c Component) int64 {
	if c == JVB {
		return int64(DrainSeconds(mp) + JVBStopSeconds)
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// DeploymentProgressSeconds is the Deployment's progress deadline. The API default (600 s)
// would declare a bridge that drains for an hour stuck (ProgressDeadlineExceeded), so a
// bridge's deadline is its grace plus that default.
func DeploymentProgressSeconds(mp *v1alpha1.MeetingPlatform, c Component) int32 {
	const apiDefault = 600
	if c == JVB {
		return int32(TerminationGraceSeconds(mp, c)) + apiDefault
	}
	return apiDefault
}

// MaxUnavailable is the maxUnavailable of a component's PodDisruptionBudget. The web pods
// and the token bridge only serve the client and the login and may go one at a time. A bridge drains when evicted, so with Allow
// one bridge at a time may go; prosody and jicofo may go too (ending the meetings) unless the
// platform blocks it (spec.disruption.meetings: Block), because a budget of 0 for a single
// pod blocks every node drain until a person acts (docs/usage.md argues the default).
func MaxUnavailable(mp *v1alpha1.MeetingPlatform, c Component) int32 {
	if slices.Contains(MeetingComponents, c) && mp.Spec.Disruption.Meetings == v1alpha1.DisruptionBlock {
		return 0
	}
	return 1
}

// PodDisruptionBudgetName is the budget of a component's pods. It selects by the component
// label, so it covers every Deployment of the component (several bridges).
func PodDisruptionBudgetName(mp *v1alpha1.MeetingPlatform, c Component) string {
	return Name(mp, string(c))
}
