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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// The names of the operator's own metrics: the chart's alert rules and dashboard query them,
// and test/chart checks every name they use against MetricNames.
const (
	metricControlResult        = "meetwarden_control_result"
	metricControls             = "meetwarden_controls"
	metricCacheDegraded        = "meetwarden_cache_degraded"
	metricCacheDegradedSince   = "meetwarden_cache_degraded_since_seconds"
	metricCacheDegradedWindows = "meetwarden_cache_degraded_windows_total"
	metricPlatformStalled      = "meetwarden_platform_stalled"
	metricDriftReverts         = "meetwarden_drift_reverts_total"
	metricCertificateExpiry    = "meetwarden_certificate_expiry_timestamp_seconds"
)

// MetricNames lists every metric the operator exports besides controller-runtime's.
func MetricNames() []string {
	return []string{metricControlResult, metricControls, metricCacheDegraded, metricCacheDegradedSince,
		metricCacheDegradedWindows, metricPlatformStalled, metricDriftReverts, metricCertificateExpiry}
}

// Control results as gauge values: alert on `meetwarden_control_result == 0`.
const (
	metricFail = 0
	metricPass = 1
	metricWarn = 2
)

var (
	controlResult = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricControlResult,
		Help: "Result of one gdpr-eu control for one MeetingPlatform: 0 Fail, 1 Pass, 2 Warn.",
	}, []string{"namespace", "platform", "control", "severity"})

	controlSummary = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricControls,
		Help: "Number of gdpr-eu controls of one MeetingPlatform per result (Pass, Fail, Warn).",
	}, []string{"namespace", "platform", "result"})
)

// The degraded window of the operator's cache (WatchHealth): alert on
// `meetwarden_cache_degraded == 1`.
var (
	cacheDegraded = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: metricCacheDegraded,
		Help: "1 while the operator's watches cannot reach the API server and its cache may be stale (compliance is then reported Unknown), else 0.",
	})
	cacheDegradedSince = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: metricCacheDegradedSince,
		Help: "Unix time at which the open degraded window of the operator's cache began; 0 while there is none.",
	})
	cacheDegradedWindows = prometheus.NewCounter(prometheus.CounterOpts{
		Name: metricCacheDegradedWindows,
		Help: "Number of times the operator's watches could not reach the API server for more than a second.",
	})
)

// What the chart's alerts watch besides the controls: a platform that cannot be realised,
// reverts that keep coming back, a certificate running out. Every label is a namespace, a
// platform name, or one of a fixed set of values (a condition reason, a kind): no personal data,
// nothing that grows with the meetings held.
var (
	platformStalled = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricPlatformStalled,
		Help: "1 while the MeetingPlatform is Stalled, else 0; reason is the reason of its Stalled condition.",
	}, []string{"namespace", "platform", "reason"})

	driftReverts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: metricDriftReverts,
		Help: "Changes to a MeetingPlatform's objects the operator reverted (a DriftReverted Event each), by kind of the object.",
	}, []string{"namespace", "platform", "kind"})

	certificateExpiry = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricCertificateExpiry,
		Help: "Unix time at which the certificate of the MeetingPlatform's TLS Secret expires (notAfter of its leaf); absent while there is no certificate to read.",
	}, []string{"namespace", "platform"})
)

func init() {
	metrics.Registry.MustRegister(controlResult, controlSummary, cacheDegraded, cacheDegradedSince, cacheDegradedWindows,
		platformStalled, driftReverts, certificateExpiry)
}

// setMetrics publishes the results of one evaluation.
func setMetrics(mp *v1alpha1.MeetingPlatform, results []v1alpha1.ControlStatus) {
	if results == nil {
		return
	}
	counts := map[v1alpha1.ControlResultValue]float64{v1alpha1.ResultPass: 0, v1alpha1.ResultFail: 0, v1alpha1.ResultWarn: 0}
	for _, r := range results {
		value := map[v1alpha1.ControlResultValue]float64{
			v1alpha1.ResultFail: metricFail, v1alpha1.ResultPass: metricPass, v1alpha1.ResultWarn: metricWarn,
		}[r.Result]
		controlResult.WithLabelValues(mp.Namespace, mp.Name, r.ID, string(r.Severity)).Set(value)
		counts[r.Result]++
	}
	for result, n := range counts {
		controlSummary.WithLabelValues(mp.Namespace, mp.Name, string(result)).Set(n)
	}
}

// setStalledMetric publishes the platform's Stalled condition: one series, whose reason label
// follows the condition (the series of an earlier reason goes, or alerts would keep seeing it).
func setStalledMetric(mp *v1alpha1.MeetingPlatform) {
	c := meta.FindStatusCondition(mp.Status.Conditions, v1alpha1.ConditionStalled)
	if c == nil {
		return
	}
	platformStalled.DeletePartialMatch(platformLabels(mp.Namespace, mp.Name))
	value := 0.0
	if c.Status == metav1.ConditionTrue {
		value = 1
	}
	platformStalled.WithLabelValues(mp.Namespace, mp.Name, c.Reason).Set(value)
}

// setCertificateMetric publishes when the certificate of the platform's TLS Secret expires, or
// removes the series when there is no certificate to read: an alert must not judge a guess.
func setCertificateMetric(mp *v1alpha1.MeetingPlatform, notAfter time.Time) {
	if notAfter.IsZero() {
		certificateExpiry.DeletePartialMatch(platformLabels(mp.Namespace, mp.Name))
		return
	}
	certificateExpiry.WithLabelValues(mp.Namespace, mp.Name).Set(float64(notAfter.Unix()))
}

// countRevert counts one reverted change to an object of the given kind.
func countRevert(mp *v1alpha1.MeetingPlatform, kind string) {
	driftReverts.WithLabelValues(mp.Namespace, mp.Name, kind).Inc()
}

// forgetMetrics removes the series of a deleted platform.
func forgetMetrics(namespace, name string) {
	labels := platformLabels(namespace, name)
	for _, vec := range []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{controlResult, controlSummary, platformStalled, driftReverts, certificateExpiry} {
		vec.DeletePartialMatch(labels)
	}
}

func platformLabels(namespace, name string) prometheus.Labels {
	return prometheus.Labels{"namespace": namespace, "platform": name}
}
