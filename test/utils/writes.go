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

package utils

import (
	"net/http"
	"sync"

	"k8s.io/client-go/rest"
)

// WriteCounter counts the write requests (POST, PUT, PATCH, DELETE) a REST client sends, and
// its reads of single objects (a GET without a query: informers list and watch with one).
type WriteCounter struct {
	mu     sync.Mutex
	writes []string
	gets   []string
}

// Wrap makes every client built from cfg report its writes to the counter.
func (w *WriteCounter) Wrap(cfg *rest.Config) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			switch req.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				w.mu.Lock()
				w.writes = append(w.writes, req.Method+" "+req.URL.Path)
				w.mu.Unlock()
			case http.MethodGet:
				if req.URL.RawQuery == "" {
					w.mu.Lock()
					w.gets = append(w.gets, req.URL.Path)
					w.mu.Unlock()
				}
			}
			return rt.RoundTrip(req)
		})
	})
	return out
}

// Writes returns the writes counted so far.
func (w *WriteCounter) Writes() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.writes...)
}

// Gets returns the paths of the single-object reads counted so far.
func (w *WriteCounter) Gets() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.gets...)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
