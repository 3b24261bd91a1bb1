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

package installation

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Gate returns mgr with one difference: every runnable added through it (the controller, the
// cache of its watches) starts only once the guard lets this installation reconcile. The
// controller's informers start with the controller, so an installation that stands back
// neither reconciles nor watches what it would reconcile.
func (g *Guard) Gate(mgr manager.Manager) manager.Manager {
	return gatedManager{Manager: mgr, gate: g.gate}
}

type gatedManager struct {
	manager.Manager
	gate <-chan struct{}
}

func (m gatedManager) Add(r manager.Runnable) error {
	return m.Manager.Add(gatedRunnable{Runnable: r, gate: m.gate})
}

// gatedRunnable starts its runnable once the gate opens. It keeps the runnable's answer to
// NeedLeaderElection (the manager sorts runnables by it); a runnable without one needs leader
// election, as the manager assumes.
type gatedRunnable struct {
	manager.Runnable
	gate <-chan struct{}
}

func (r gatedRunnable) Start(ctx context.Context) error {
	select {
	case <-r.gate:
		return r.Runnable.Start(ctx)
	case <-ctx.Done():
		return nil
	}
}

func (r gatedRunnable) NeedLeaderElection() bool {
	le, ok := r.Runnable.(manager.LeaderElectionRunnable)
	return !ok || le.NeedLeaderElection()
}
