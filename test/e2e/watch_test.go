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

package e2e

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// Resource versions. The API calls them opaque; in this cluster they are the revisions of its
// single etcd (hack/cluster.sh sets no --etcd-servers-overrides), so they order writes across
// every resource type. The tampering test relies on that, on its own cluster only.
func parseRV(rv string) int64 {
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// observed is one watch event as the test saw it.
type observed struct {
	at      time.Time
	typ     watch.EventType
	rv      int64
	obj     client.Object
	deleted bool
}

// objectWatch records every version of one named object from a starting resourceVersion on,
// re-establishing the watch from the last version seen if the API server closes it.
type objectWatch struct {
	mu     sync.Mutex
	cond   *sync.Cond
	events []observed
	err    error
}

// watchObject watches the object named name in ns, of the kind of list, from resourceVersion rv.
func watchObject(ctx context.Context, list client.ObjectList, ns, name, rv string) *objectWatch {
	w := &objectWatch{}
	w.cond = sync.NewCond(&w.mu)
	go func() {
		last := rv
		for ctx.Err() == nil {
			opts := &client.ListOptions{
				Namespace:     ns,
				FieldSelector: fields.OneTermEqualSelector("metadata.name", name),
				Raw:           &metav1.ListOptions{ResourceVersion: last, AllowWatchBookmarks: false},
			}
			wi, err := k8s.Watch(ctx, list.DeepCopyObject().(client.ObjectList), opts)
			if err != nil {
				if ctx.Err() == nil {
					w.fail(fmt.Errorf("watching %s/%s: %w", ns, name, err))
				}
				return
			}
			for ev := range wi.ResultChan() {
				if ev.Type == watch.Error {
					w.fail(fmt.Errorf("watch of %s/%s: %w", ns, name, apierrors.FromObject(ev.Object)))
					wi.Stop()
					return
				}
				obj, ok := ev.Object.(client.Object)
				if !ok || ev.Type == watch.Bookmark {
					continue
				}
				last = obj.GetResourceVersion()
				w.mu.Lock()
				w.events = append(w.events, observed{at: time.Now(), typ: ev.Type, rv: parseRV(last), obj: obj, deleted: ev.Type == watch.Deleted})
				w.cond.Broadcast()
				w.mu.Unlock()
			}
			wi.Stop()
		}
	}()
	go func() {
		<-ctx.Done()
		w.mu.Lock()
		w.cond.Broadcast()
		w.mu.Unlock()
	}()
	return w
}

func (w *objectWatch) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
	w.cond.Broadcast()
}

// waitFirst waits for the first event from index from on that satisfies pred, and returns it
// with its index.
func (w *objectWatch) waitFirst(timeout time.Duration, from int, pred func(observed) bool) (observed, int, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		w.mu.Lock()
		w.cond.Broadcast()
		w.mu.Unlock()
	})
	defer timer.Stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := from; ; {
		for ; i < len(w.events); i++ {
			if pred(w.events[i]) {
				return w.events[i], i, nil
			}
		}
		if w.err != nil {
			return observed{}, -1, w.err
		}
		if time.Now().After(deadline) {
			return observed{}, -1, fmt.Errorf("not seen within %s (%d events)", timeout, len(w.events))
		}
		w.cond.Wait()
	}
}

// platformStatusEvent is one version of a MeetingPlatform seen by a platformWatch.
type platformStatusEvent struct {
	at                   time.Time
	rv                   int64
	generation           int64
	compliant, ready     metav1.ConditionStatus
	compliantGeneration  int64
	compliantMessage     string
	reconciling, stalled metav1.ConditionStatus
	reconcilingReason    string
	reconcilingMessage   string
}

func (e platformStatusEvent) String() string {
	return fmt.Sprintf("rv %d at %s: gen %d Compliant=%s(gen %d, %q) Ready=%s Stalled=%s Reconciling=%s(%s: %q)", e.rv,
		e.at.Format("15:04:05.000"), e.generation, e.compliant, e.compliantGeneration, e.compliantMessage, e.ready, e.stalled,
		e.reconciling, e.reconcilingReason, e.reconcilingMessage)
}

// platformWatch records every version of one MeetingPlatform from a resourceVersion on.
type platformWatch struct {
	w       *objectWatch
	startRV int64
}

func watchPlatform(ctx context.Context, key types.NamespacedName, rv string) *platformWatch {
	return &platformWatch{w: watchObject(ctx, &v1alpha1.MeetingPlatformList{}, key.Namespace, key.Name, rv), startRV: parseRV(rv)}
}

func (p *platformWatch) snapshot() ([]platformStatusEvent, error) {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	out := make([]platformStatusEvent, 0, len(p.w.events))
	for _, ev := range p.w.events {
		mp, ok := ev.obj.(*v1alpha1.MeetingPlatform)
		if !ok {
			continue
		}
		e := platformStatusEvent{at: ev.at, rv: ev.rv, generation: mp.Generation}
		if c := condition(mp, v1alpha1.ConditionCompliant); c != nil {
			e.compliant, e.compliantGeneration, e.compliantMessage = c.Status, c.ObservedGeneration, c.Message
		}
		if c := condition(mp, v1alpha1.ConditionReady); c != nil {
			e.ready = c.Status
		}
		if c := condition(mp, v1alpha1.ConditionReconciling); c != nil {
			e.reconciling, e.reconcilingReason, e.reconcilingMessage = c.Status, c.Reason, c.Message
		}
		if c := condition(mp, v1alpha1.ConditionStalled); c != nil {
			e.stalled = c.Status
		}
		out = append(out, e)
	}
	return out, p.w.err
}

// waitSeen waits until the watch has delivered a version at least as new as rv, so that every
// write before rv is in the record (a watch delivers the versions of an object in order).
func (p *platformWatch) waitSeen(rv int64, timeout time.Duration) error {
	if rv <= p.startRV {
		return nil // not written since the watch started
	}
	_, _, err := p.w.waitFirst(timeout, 0, func(o observed) bool { return o.rv >= rv })
	return err
}
