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
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sample is one series of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape is one read of the operator's /metrics.
type scrape struct {
	at      time.Time
	samples []sample
}

func scrapeMetrics(ctx context.Context, url string) (*scrape, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	// Plain text format, not protobuf or OpenMetrics.
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }() // fully read below; nothing to lose
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseMetrics(string(body)), nil
}

func parseMetrics(text string) *scrape {
	s := &scrape{at: time.Now()}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		var name, labelText, rest string
		if i := strings.IndexByte(line, '{'); i >= 0 {
			j := strings.LastIndexByte(line, '}')
			if j < i {
				continue
			}
			name, labelText, rest = line[:i], line[i+1:j], strings.TrimSpace(line[j+1:])
		} else {
			var ok bool
			name, rest, ok = strings.Cut(line, " ")
			if !ok {
				continue
			}
		}
		valueText, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		v, err := strconv.ParseFloat(valueText, 64)
		if err != nil {
			continue
		}
		s.samples = append(s.samples, sample{name: name, labels: parseLabels(labelText), value: v})
	}
	return s
}

// parseLabels reads a="b",c="d" (values may contain escaped quotes and commas).
func parseLabels(text string) map[string]string {
	out := map[string]string{}
	for len(text) > 0 {
		eq := strings.IndexByte(text, '=')
		if eq < 0 || eq+1 >= len(text) || text[eq+1] != '"' {
			break
		}
		key := strings.TrimSpace(strings.TrimLeft(text[:eq], ","))
		var b strings.Builder
		i := eq + 2
		for ; i < len(text); i++ {
			c := text[i]
			if c == '\\' && i+1 < len(text) {
				i++
				switch text[i] {
				case 'n':
					b.WriteByte('\n')
				default:
					b.WriteByte(text[i])
				}
				continue
			}
			if c == '"' {
				break
			}
			b.WriteByte(c)
		}
		out[key] = b.String()
		if i+1 >= len(text) {
			break
		}
		text = text[i+1:]
	}
	return out
}

func matches(s sample, name string, filter map[string]string) bool {
	if s.name != name {
		return false
	}
	for k, v := range filter {
		if s.labels[k] != v {
			return false
		}
	}
	return true
}

// sum adds every series of name whose labels include filter.
func (s *scrape) sum(name string, filter map[string]string) float64 {
	if s == nil {
		return 0
	}
	var total float64
	for _, smp := range s.samples {
		if matches(smp, name, filter) {
			total += smp.value
		}
	}
	return total
}

// byLabels groups series of name by the values of keys, e.g. rest_client_requests_total by
// method and code.
func (s *scrape) byLabels(name string, filter map[string]string, keys ...string) map[string]float64 {
	out := map[string]float64{}
	if s == nil {
		return out
	}
	for _, smp := range s.samples {
		if !matches(smp, name, filter) {
			continue
		}
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, smp.labels[k])
		}
		out[strings.Join(parts, " ")] += smp.value
	}
	return out
}

// deltaBy is after minus before per group, dropping groups without change.
func deltaBy(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// writeMethods are the HTTP methods that change state on the API server.
var writeMethods = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "DELETE": true}

// requestCounts is the operator's REST requests between two scrapes, by "METHOD code".
type requestCounts map[string]float64

func requestsBetween(before, after *scrape) requestCounts {
	return requestCounts(deltaBy(
		before.byLabels("rest_client_requests_total", nil, "method", "code"),
		after.byLabels("rest_client_requests_total", nil, "method", "code")))
}

// writes is the number of POST/PUT/PATCH/DELETE requests.
func (r requestCounts) writes() int {
	n := 0.0
	for k, v := range r {
		method, _, _ := strings.Cut(k, " ")
		if writeMethods[method] {
			n += v
		}
	}
	return int(math.Round(n))
}

func (r requestCounts) method(m string) int {
	n := 0.0
	for k, v := range r {
		if method, _, _ := strings.Cut(k, " "); method == m {
			n += v
		}
	}
	return int(math.Round(n))
}

// String lists the groups, writes first: "PATCH 200: 12, POST 201: 3, GET 200: 40".
func (r requestCounts) String() string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		wi, wj := writeMethods[strings.Fields(keys[i])[0]], writeMethods[strings.Fields(keys[j])[0]]
		if wi != wj {
			return wi
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %.0f", k, r[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// histogram is the change of a Prometheus histogram between two scrapes.
type histogram struct {
	buckets []bucket // sorted by upper bound, cumulative counts
	count   float64
	sum     float64
}

type bucket struct {
	le    float64
	count float64
}

func histogramBetween(before, after *scrape, name string, filter map[string]string) histogram {
	h := histogram{
		count: after.sum(name+"_count", filter) - before.sum(name+"_count", filter),
		sum:   after.sum(name+"_sum", filter) - before.sum(name+"_sum", filter),
	}
	les := map[float64]float64{}
	for _, side := range []struct {
		s    *scrape
		sign float64
	}{{after, 1}, {before, -1}} {
		if side.s == nil {
			continue
		}
		for _, smp := range side.s.samples {
			if !matches(smp, name+"_bucket", filter) {
				continue
			}
			le, err := strconv.ParseFloat(smp.labels["le"], 64)
			if err != nil {
				le = math.Inf(1)
			}
			les[le] += side.sign * smp.value
		}
	}
	for le, c := range les {
		h.buckets = append(h.buckets, bucket{le, c})
	}
	sort.Slice(h.buckets, func(i, j int) bool { return h.buckets[i].le < h.buckets[j].le })
	return h
}

func (h histogram) mean() float64 {
	if h.count == 0 {
		return 0
	}
	return h.sum / h.count
}

// quantile estimates the q-quantile by linear interpolation inside the bucket, as PromQL's
// histogram_quantile does.
func (h histogram) quantile(q float64) float64 {
	if h.count == 0 || len(h.buckets) == 0 {
		return 0
	}
	rank := q * h.count
	prevLE, prevCount := 0.0, 0.0
	for _, b := range h.buckets {
		if b.count >= rank {
			if math.IsInf(b.le, 1) {
				return prevLE
			}
			if b.count == prevCount {
				return b.le
			}
			return prevLE + (b.le-prevLE)*(rank-prevCount)/(b.count-prevCount)
		}
		prevLE, prevCount = b.le, b.count
	}
	return prevLE
}

// bucketOf names the bucket the q-quantile falls into, e.g. "(1 s, 10 s]": for histograms whose
// buckets are too coarse to interpolate in (the work queue's are powers of ten).
func (h histogram) bucketOf(q float64) string {
	if h.count == 0 || len(h.buckets) == 0 {
		return "n/a"
	}
	rank := q * h.count
	prev := 0.0
	for _, b := range h.buckets {
		if b.count >= rank {
			if math.IsInf(b.le, 1) {
				return fmt.Sprintf("> %s", fmtSeconds(prev))
			}
			return fmt.Sprintf("(%s, %s]", fmtSeconds(prev), fmtSeconds(b.le))
		}
		prev = b.le
	}
	return fmt.Sprintf("> %s", fmtSeconds(prev))
}

func fmtSeconds(s float64) string {
	switch {
	case s == 0:
		return "0"
	case s < 1e-3:
		return fmt.Sprintf("%g µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%g ms", s*1e3)
	}
	return fmt.Sprintf("%g s", s)
}
