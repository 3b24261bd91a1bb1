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
	"fmt"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/evaluate"
)

// platformSeries returns the meetwarden_control_result values of one platform, by control.
func platformSeries(mp *v1alpha1.MeetingPlatform) (map[string]float64, error) {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "meetwarden_control_result" {
			continue
		}
		for _, m := range f.GetMetric() {
			if label(m, "namespace") == mp.Namespace && label(m, "platform") == mp.Name {
				out[label(m, "control")] = m.GetGauge().GetValue()
			}
		}
	}
	return out, nil
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
