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
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"testing"

	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
)

// platformSeries returns the meetwarden_control_result values of one platform, by control.
func platformSeries(mp *v1alpha1.MeetingPlatform) (map[string]float64, error) {
	return seriesOf(metricControlResult, mp, "control")
}

// seriesOf returns the values of one metric's series of one platform (a gauge's or a
// counter's), by the value of the label by.
func seriesOf(metric string, mp *v1alpha1.MeetingPlatform, by string) (map[string]float64, error) {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != metric {
			continue
		}
		for _, m := range f.GetMetric() {
			if label(m, "namespace") == mp.Namespace && label(m, "platform") == mp.Name {
				out[label(m, by)] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
	}
	return out, nil
}

// seriesAre checks a metric's series of one platform, by the value of the label by.
func seriesAre(metric string, mp *v1alpha1.MeetingPlatform, by string, want map[string]float64) func() error {
	return func() error {
		got, err := seriesOf(metric, mp, by)
		if err != nil {
			return err
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("%s by %s = %v, want %v", metric, by, got, want)
		}
		return nil
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestMetricsPublishEveryControlOfAPlatform(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	eventually(t, "a passing series per control", func() error {
		series, err := platformSeries(mp)
		if err != nil {
			return err
		}
		if len(series) != len(evaluate.Profile) {
			return fmt.Errorf("%d series, want %d", len(series), len(evaluate.Profile))
		}
		for id, v := range series {
			if v != metricPass {
				return fmt.Errorf("%s = %v, want %d (Pass)", id, v, metricPass)
			}
		}
		return nil
	})
}

// The chart's alerts (charts/meetwarden/rules) watch these series: a Stalled platform, reverts
// that keep coming, a certificate running out.
func TestMetricsSayWhatTheAlertsWatch(t *testing.T) {
	startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)
	ctx := context.Background()

	tlsSecret := &corev1.Secret{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: mp.Namespace, Name: mp.Spec.TLS.SecretName}, tlsSecret); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(tlsSecret.Data[corev1.TLSCertKey])
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the certificate's notAfter as Unix time", seriesAre(metricCertificateExpiry, mp, "namespace",
		map[string]float64{mp.Namespace: float64(cert.NotAfter.Unix())}))
	eventually(t, "a platform that is not Stalled is 0, with the reason of its condition", seriesAre(metricPlatformStalled, mp, "reason",
		map[string]float64{v1alpha1.ReasonRealisable: 0}))
	eventually(t, "no revert yet", seriesAre(metricDriftReverts, mp, "kind", map[string]float64{}))

	policy := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: mp.Name + "-default-deny"}}
	if err := k8s.Delete(ctx, policy); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reverted deletion counted for its kind", seriesAre(metricDriftReverts, mp, "kind",
		map[string]float64{"NetworkPolicy": 1}))

	if err := k8s.Delete(ctx, tlsSecret); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled with SecretMissing, and only that series", seriesAre(metricPlatformStalled, mp, "reason",
		map[string]float64{v1alpha1.ReasonSecretMissing: 1}))
	eventually(t, "no certificate, no expiry: nothing to judge", seriesAre(metricCertificateExpiry, mp, "namespace", map[string]float64{}))

	if err := k8s.Delete(ctx, mp); err != nil {
		t.Fatal(err)
	}
	for _, metric := range []string{metricPlatformStalled, metricDriftReverts} {
		eventually(t, "the series of a deleted platform are gone", seriesAre(metric, mp, "namespace", map[string]float64{}))
	}
}
