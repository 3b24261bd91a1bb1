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
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// Control results as gauge values: alert on `meetwarden_control_result == 0`.
const (
	metricFail = 0
	metricPass = 1
	metricWarn = 2
)

var (
	controlResult = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "meetwarden_control_result",
		Help: "Result of one gdpr-eu control for one MeetingPlatform: 0 Fail, 1 Pass, 2 Warn.",
	}, []string{"namespace", "platform", "control", "severity"})

	controlSummary = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "meetwarden_controls",
		Help: "Number of gdpr-eu controls of one MeetingPlatform per result (Pass, Fail, Warn).",
	}, []string{"namespace", "platform", "result"})
)

// The degraded window of the operator's cache (WatchHealth): alert on
// `meetwarden_cache_degraded == 1`.
var (
	cacheDegraded = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "meetwarden_cache_degraded",
		Help: "1 while the operator's watches cannot reach the API server and its cache may be stale (compliance is then reported Unknown), else 0.",
	})
	cacheDegradedSince = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "meetwarden_cache_degraded_since_seconds",
		Help: "Unix time at which the open degraded window of the operator's cache began; 0 while there is none.",
	})
	cacheDegradedWindows = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "meetwarden_cache_degraded_windows_total",
		Help: "Number of times the operator's watches could not reach the API server for more than a second.",
	})
)

func init() {
	metrics.Registry.MustRegister(controlResult, controlSummary, cacheDegraded, cacheDegradedSince, cacheDegradedWindows)
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

// forgetMetrics removes the series of a deleted platform.
func forgetMetrics(namespace, name string) {
	labels := prometheus.Labels{"namespace": namespace, "platform": name}
	controlResult.DeletePartialMatch(labels)
	controlSummary.DeletePartialMatch(labels)
}
