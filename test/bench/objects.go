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
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

// benchLabel marks every namespace the benchmark creates.
const benchLabel = "bench.meetwarden.io/phase"

// createNamespace makes a namespace that enforces the "restricted" Pod Security Standard (as
// hack/demo.sh does) and waits for its default ServiceAccount, without which the ReplicaSet
// controller's pod creations would fail and be retried with back-off, distorting the timing.
func (b *bench) createNamespace(ctx context.Context, name, phase string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce":         "restricted",
		"pod-security.kubernetes.io/enforce-version": "latest",
		benchLabel: phase,
	}}}
	if err := b.k8s.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return poll(ctx, 60*time.Second, 100*time.Millisecond, func() (bool, error) {
		err := b.k8s.Get(ctx, types.NamespacedName{Namespace: name, Name: "default"}, &corev1.ServiceAccount{})
		return err == nil, client.IgnoreNotFound(err)
	})
}

// deleteNamespaces deletes the platforms of namespaces first (as a user would; the garbage
// collector removes their children), then the namespaces, and waits until they are gone, so that
// their teardown does not load the next measurement. Pods are deleted with grace period 0: kwok
// would otherwise hold each for up to its 30 s grace period.
func (b *bench) deleteNamespaces(ctx context.Context, names []string, timeout time.Duration) {
	t0 := time.Now()
	for _, n := range names {
		if err := b.k8s.DeleteAllOf(ctx, &v1alpha1.MeetingPlatform{}, client.InNamespace(n)); err != nil && !apierrors.IsNotFound(err) {
			progress("WARNING: deleting the platforms in %s: %v", n, err)
		}
	}
	for _, n := range names {
		err := b.k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}})
		if err != nil && !apierrors.IsNotFound(err) {
			progress("WARNING: deleting namespace %s: %v", n, err)
		}
		// No pod can be created in a terminating namespace, so none escapes this.
		if err := b.k8s.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(n), client.GracePeriodSeconds(0)); err != nil && !apierrors.IsNotFound(err) {
			progress("WARNING: deleting the pods in %s: %v", n, err)
		}
	}
	err := poll(ctx, timeout, 500*time.Millisecond, func() (bool, error) {
		for _, n := range names {
			err := b.k8s.Get(ctx, types.NamespacedName{Name: n}, &corev1.Namespace{})
			if err == nil {
				return false, nil
			}
			if !apierrors.IsNotFound(err) {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		progress("WARNING: %d namespace(s) not gone after %s (%v); going on", len(names), timeout, err)
		return
	}
	progress("deleted %d namespace(s) in %s", len(names), time.Since(t0).Round(100*time.Millisecond))
}

// The NodePort range of the cluster (kube-apiserver's default --service-node-port-range).
const (
	firstNodePort = 30000
	lastNodePort  = 32767
	nodePortCount = lastNodePort - firstNodePort + 1
)

// mediaPort hands out media NodePorts: they are unique cluster-wide and stay taken until the
// Service is gone, so ports are never reused within a run.
func (b *bench) mediaPort() (int32, error) { return b.mediaPorts(1) }

// mediaPorts hands out n consecutive media NodePorts, one per videobridge, and returns the first.
func (b *bench) mediaPorts(n int32) (int32, error) {
	b.portMu.Lock()
	defer b.portMu.Unlock()
	if b.nextPort+n-1 > lastNodePort {
		return 0, fmt.Errorf("out of NodePorts")
	}
	p := b.nextPort
	b.nextPort += n
	return p, nil
}

// newPlatform is the sample platform (config/samples) with names and a media port of its own,
// and bridges that stop at once (fixtures.WithoutDrain).
func newPlatform(namespace, name string, port int32) *v1alpha1.MeetingPlatform {
	mp := fixtures.Sample(namespace, name, fmt.Sprintf("%s.%s.bench.example.eu", name, namespace), port)
	fixtures.WithoutDrain(mp)
	return mp
}

// createInputs creates the platform's TLS Secret (a self-signed ECDSA P-256 certificate for its
// domain, valid 90 days: cheap to generate for hundreds of platforms) and JWT Secret.
func (b *bench) createInputs(ctx context.Context, mp *v1alpha1.MeetingPlatform) error {
	cert := fixtures.Certificate{Host: mp.Spec.Domain, NotBefore: time.Now().Add(-time.Hour), ValidFor: 90 * 24 * time.Hour}
	certPEM, keyPEM, err := cert.PEM()
	if err != nil {
		return err
	}
	tls := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: mp.Spec.TLS.SecretName},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
	}
	if err := b.k8s.Create(ctx, tls); err != nil {
		return fmt.Errorf("creating TLS Secret: %w", err)
	}
	raw := make([]byte, 36)
	_, _ = rand.Read(raw)
	jwt := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: mp.Namespace, Name: mp.Spec.Access.JWT.SecretRef.Name},
		Data:       map[string][]byte{mp.Spec.Access.JWT.SecretRef.Key: []byte(base64.StdEncoding.EncodeToString(raw))},
	}
	if err := b.k8s.Create(ctx, jwt); err != nil {
		return fmt.Errorf("creating JWT Secret: %w", err)
	}
	return nil
}

// createPlatform registers the platform with the tracker, creates it and records when the
// create call returned.
func (b *bench) createPlatform(ctx context.Context, mp *v1alpha1.MeetingPlatform) error {
	b.tracker.register(client.ObjectKeyFromObject(mp))
	start := time.Now()
	if err := b.k8s.Create(ctx, mp); err != nil {
		return fmt.Errorf("creating MeetingPlatform %s/%s: %w", mp.Namespace, mp.Name, err)
	}
	end := time.Now()
	return b.tracker.setCreated(mp, start, end)
}

// parallel runs fn(i) for i in [0, n) on workers goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(workers, n) {
		wg.Go(func() {
			for i := range jobs {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// createAll runs create(i) for i in [0, n) on -workers goroutines, like parallel, and returns
// when the last call returned.
func (b *bench) createAll(ctx context.Context, n int, create func(ctx context.Context, i int) error) (time.Time, error) {
	var mu sync.Mutex
	var last time.Time
	err := parallel(ctx, n, b.cfg.workers, func(ctx context.Context, i int) error {
		if err := create(ctx, i); err != nil {
			return err
		}
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if now.After(last) {
			last = now
		}
		return nil
	})
	return last, err
}

// poll calls check every interval until it returns true, an error, or timeout passes.
func poll(ctx context.Context, timeout, interval time.Duration, check func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := check()
		if ok && err == nil {
			return nil
		}
		lastErr = err
		if time.Now().After(deadline) {
			if lastErr != nil {
				return fmt.Errorf("timed out after %s: %w", timeout, lastErr)
			}
			return fmt.Errorf("timed out after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
