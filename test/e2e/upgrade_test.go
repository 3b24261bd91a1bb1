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
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
)

// The upgrade test replaces the suite's operator, like the fault tests, so it is NOT parallel.

// upgradePlatforms are the platforms the earlier operator brings up, in the variants an upgrade
// could treat differently.
var upgradePlatforms = []struct {
	name   string
	mutate func(*v1alpha1.MeetingPlatform)
}{
	{"upgrade-enforce", func(*v1alpha1.MeetingPlatform) {}},
	{"upgrade-audit", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Compliance.Mode = v1alpha1.ComplianceModeAudit }},
	{"upgrade-two-web", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Components.Web.Replicas = 2 }},
}

func TestUpgradingTheOperatorRestartsNoComponentWhoseTemplateDidNotChange(t *testing.T) {
	ctx := testContext(t, 8*time.Minute)
	from := upgradeFrom(t)
	oldBin := earlierOperator(t, from)
	takeOverFromTheSuitesOperator(t)

	earlierCRD := crdAt(t, from)
	installCRD(t, ctx, "the CRD of "+from[:7], earlierCRD)
	old, err := startOperatorBinary(oldBin, "upgrade-from-"+from[:7], mainOperatorProbePort, "--leader-elect=false")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(old.kill)
	ns := createNamespace(t, "e2e-upgrade")
	var keys []types.NamespacedName
	for _, p := range upgradePlatforms {
		keys = append(keys, keyOf(createPlatform(t, newPlatform(ns, p.name, p.mutate))))
	}
	for _, key := range keys {
		waitReady(t, key, 3*time.Minute)
	}
	before := recordWorkloads(t, ctx, ns, keys)

	// As `helm upgrade` does: the CRD first, while the earlier operator still runs, then the
	// operator. The platforms are watched from here on: every version of them counts.
	installCRD(t, ctx, "the current CRD", filepath.Join(repoRoot, "config", "crd", "bases"))
	watches := map[types.NamespacedName]*platformWatch{}
	for _, key := range keys {
		watches[key] = watchFromNow(t, ctx, key)
	}
	old.stop()
	swapped := time.Now()
	upgraded, err := startOperator("main-upgraded", mainOperatorProbePort, "--leader-elect=false")
	if err != nil {
		t.Fatal(err)
	}
	setMainOperator(upgraded)
	for _, key := range keys {
		waitPlatform(t, key, 2*time.Minute, "reconciled by the upgraded operator (status.image)", func(mp *v1alpha1.MeetingPlatform) error {
			if mp.Status.Image == nil {
				return fmt.Errorf("no status.image yet")
			}
			return readyAndCompliant(mp)
		})
	}
	recordMeasurement("operator upgrade", "swap -> every platform reconciled by the new version", time.Since(swapped))
	after := recordWorkloads(t, ctx, ns, keys)

	t.Run("no pod of a component whose pod template did not change was replaced", func(t *testing.T) {
		assertNoPodReplaced(t, before, after)
	})
	t.Run("every platform was Compliant, and Ready unless it rolled, at every version the watch saw", func(t *testing.T) {
		assertReadyAndCompliantThroughout(t, watches, before.rolled(after))
	})
	t.Run("no drift was reported", func(t *testing.T) {
		assertNoDriftEvents(t, ctx, ns, keys, swapped)
	})
	if !crdDefaultsImageTag(t, earlierCRD) {
		t.Run("platforms created under the earlier CRD follow the operator's release", func(t *testing.T) {
			for _, key := range keys {
				mp, err := getPlatform(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				if img := mp.Status.Image; mp.Spec.Image.Tag != "" || img == nil || *img != (v1alpha1.ImageStatus{Tag: v1alpha1.DefaultImageTag, Source: v1alpha1.ImageTagFromOperator}) {
					t.Errorf("%s: spec.image.tag %q, status.image %+v: want no tag, following the operator's release", key, mp.Spec.Image.Tag, mp.Status.Image)
				}
			}
		})
		return
	}
	t.Run("platforms created under the earlier CRD carry its tag default, and un-pinning them restarts nothing", func(t *testing.T) {
		key := keys[0]
		mp, err := getPlatform(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if mp.Spec.Image.Tag != v1alpha1.DefaultImageTag || mp.Status.Image.Source != v1alpha1.ImageTagFromSpec {
			t.Fatalf("spec.image.tag %q, status.image %+v: want the earlier CRD's stored default %s, reported as pinned (Spec)",
				mp.Spec.Image.Tag, mp.Status.Image, v1alpha1.DefaultImageTag)
		}
		// The command of docs/upgrading.md.
		if out, err := kubectl(ctx, "-n", key.Namespace, "patch", "mp", key.Name, "--type=json", "-p", `[{"op":"remove","path":"/spec/image/tag"}]`); err != nil {
			t.Fatalf("kubectl patch: %v\n%s", err, out)
		}
		waitPlatform(t, key, time.Minute, "following the operator's release", func(mp *v1alpha1.MeetingPlatform) error {
			if img := mp.Status.Image; mp.Spec.Image.Tag != "" || img == nil || *img != (v1alpha1.ImageStatus{Tag: v1alpha1.DefaultImageTag, Source: v1alpha1.ImageTagFromOperator}) {
				return fmt.Errorf("spec.image.tag %q, status.image %+v", mp.Spec.Image.Tag, mp.Status.Image)
			}
			return readyAndCompliant(mp)
		})
		now := recordWorkloads(t, ctx, ns, keys)
		assertNoPodReplaced(t, before, now)
		assertReadyAndCompliantThroughout(t, watches, before.rolled(now))
	})
}

// crdDefaultsImageTag says whether the CRD at path gives spec.image.tag a schema default, as
// the CRDs before the operator resolved the tag did (stored in every platform, which pins it).
func crdDefaultsImageTag(t *testing.T, path string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		tag := v.Schema.OpenAPIV3Schema.Properties["spec"].Properties["image"].Properties["tag"]
		if tag.Default != nil {
			return true
		}
	}
	return false
}

// upgradeFrom is the commit of testdata/upgrade-from.
func upgradeFrom(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "upgrade-from"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return line
		}
	}
	t.Fatal("testdata/upgrade-from names no commit")
	return ""
}

// earlierOperator returns the manager binary of the commit, built once from `git archive` and
// cached under ~/.cache/meetwarden/upgrade-from/<commit>/ (git archive leaves the repository
// and its worktrees alone).
func earlierOperator(t *testing.T, commit string) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(cache, "meetwarden", "upgrade-from", commit, "manager")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	src := t.TempDir()
	archive := exec.Command("sh", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", repoRoot, commit, src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("extracting commit %s (a shallow clone lacks it: git fetch --unshallow): %v\n%s", commit, err, out)
	}
	progress("building the operator of %s (testdata/upgrade-from) into %s", commit[:7], bin)
	start := time.Now()
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	partial := bin + ".partial"
	build := exec.Command("go", "build", "-o", partial, "./cmd")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd of %s: %v\n%s", commit, err, out)
	}
	// Renamed only once complete: an interrupted build leaves no binary a later run would trust.
	if err := os.Rename(partial, bin); err != nil {
		t.Fatal(err)
	}
	progress("built the operator of %s in %s", commit[:7], time.Since(start).Round(time.Second))
	return bin
}

// crdAt writes the MeetingPlatform CRD of the commit into a file of its own.
func crdAt(t *testing.T, commit string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", repoRoot, "show", commit+":config/crd/bases/meetwarden.io_meetingplatforms.yaml").Output()
	if err != nil {
		t.Fatalf("reading the CRD of %s: %v", commit, err)
	}
	path := filepath.Join(t.TempDir(), "crd.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func installCRD(t *testing.T, ctx context.Context, what, path string) {
	t.Helper()
	if out, err := kubectl(ctx, "apply", "--server-side", "--force-conflicts", "-f", path); err != nil {
		t.Fatalf("installing %s: %v\n%s", what, err, out)
	}
}

// takeOverFromTheSuitesOperator stops the suite's operator, so that only this test's operators
// reconcile, and brings the current CRD and an operator back at the end whatever happens.
func takeOverFromTheSuitesOperator(t *testing.T) {
	t.Helper()
	if op := getMainOperator(); op != nil {
		op.stop()
		setMainOperator(nil)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := kubectl(ctx, "apply", "--server-side", "--force-conflicts", "-f", filepath.Join(repoRoot, "config", "crd", "bases")); err != nil {
			t.Errorf("restoring the current CRD: %v\n%s", err, out)
		}
		if getMainOperator() != nil {
			return // the upgraded operator is the suite's from now on
		}
		op, err := startOperator("main-after-upgrade", mainOperatorProbePort, "--leader-elect=false")
		if err != nil {
			t.Errorf("restarting the suite's operator: %v", err)
			return
		}
		setMainOperator(op)
	})
}

// workloads is what the components of the platforms run, by "<platform>/<component>".
type workloads struct {
	templates   map[string]string   // the Deployment's pod template, as JSON
	pods        map[string][]string // UIDs of the active pods
	replicaSets map[string]int      // ReplicaSets owned by the Deployment: a new template makes one
}

func recordWorkloads(t *testing.T, ctx context.Context, ns string, keys []types.NamespacedName) workloads {
	t.Helper()
	w := workloads{templates: map[string]string{}, pods: map[string][]string{}, replicaSets: map[string]int{}}
	var deployments appsv1.DeploymentList
	var replicaSets appsv1.ReplicaSetList
	if err := k8s.List(ctx, &deployments, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if err := k8s.List(ctx, &replicaSets, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		for _, d := range deployments.Items {
			if d.Labels[labelInstance] != key.Name {
				continue
			}
			id := key.Name + "/" + d.Labels[labelComponent]
			template, err := json.Marshal(d.Spec.Template)
			if err != nil {
				t.Fatal(err)
			}
			w.templates[id] = string(template)
			for _, rs := range replicaSets.Items {
				if metav1.IsControlledBy(&rs, &d) {
					w.replicaSets[id]++
				}
			}
		}
		pods, err := activePods(ctx, ns, key.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods {
			id := key.Name + "/" + p.Labels[labelComponent]
			w.pods[id] = append(w.pods[id], string(p.UID))
		}
	}
	for id := range w.pods {
		slices.Sort(w.pods[id])
	}
	return w
}

// assertNoPodReplaced compares every component whose pod template is the same before and after:
// the same pods, and no new ReplicaSet. A component whose template changed (a later
// testdata/upgrade-from may render another) is expected to roll; it is named in the log.
func assertNoPodReplaced(t *testing.T, before, after workloads) {
	t.Helper()
	compared := 0
	for _, id := range slices.Sorted(maps.Keys(before.templates)) {
		if after.templates[id] != before.templates[id] {
			t.Logf("%s: the new version renders another pod template; its pods may roll", id)
			continue
		}
		compared++
		if !slices.Equal(before.pods[id], after.pods[id]) {
			t.Errorf("%s: pods %v were replaced by %v, although the pod template did not change", id, before.pods[id], after.pods[id])
		}
		if after.replicaSets[id] != before.replicaSets[id] {
			t.Errorf("%s: %d ReplicaSets, %d before the upgrade: something rolled", id, after.replicaSets[id], before.replicaSets[id])
		}
	}
	if compared == 0 {
		t.Fatalf("every pod template changed, so this upgrade test proves nothing about needless restarts: move testdata/upgrade-from")
	}
	t.Logf("%d components compared: same pod template, same pods, no new ReplicaSet", compared)
}

// watchFromNow watches the platform from the cluster's current version on. Right after a CRD
// update the API server rebuilds its watch cache for the kind, and refuses a watch from a
// version before the rebuild ("too old resource version"): it is started again until one holds.
func watchFromNow(t *testing.T, ctx context.Context, key types.NamespacedName) *platformWatch {
	t.Helper()
	var err error
	for range 20 {
		var list v1alpha1.MeetingPlatformList
		if err = k8s.List(ctx, &list, client.InNamespace(key.Namespace)); err != nil {
			t.Fatal(err)
		}
		w := watchPlatform(ctx, key, list.ResourceVersion)
		time.Sleep(time.Second) // a refused watch fails at once
		if _, err = w.snapshot(); err == nil {
			return w
		}
	}
	t.Fatalf("%s: no watch holds after the CRD update: %v", key, err)
	return nil
}

// rolled names the platforms with a component whose pod template differs in later: they restart
// that component, and are not Ready while it starts.
func (w workloads) rolled(later workloads) map[string]bool {
	out := map[string]bool{}
	for id, template := range w.templates {
		if later.templates[id] != template {
			platform, _, _ := strings.Cut(id, "/")
			out[platform] = true
		}
	}
	return out
}

// assertReadyAndCompliantThroughout checks every version of the platforms the watches delivered,
// up to now: Compliant always, Ready unless the platform rolled.
func assertReadyAndCompliantThroughout(t *testing.T, watches map[types.NamespacedName]*platformWatch, rolled map[string]bool) {
	t.Helper()
	for key, w := range watches {
		mp, err := getPlatform(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.waitSeen(parseRV(mp.ResourceVersion), 30*time.Second); err != nil {
			t.Fatalf("%s: the watch did not deliver the current version: %v", key, err)
		}
		events, err := w.snapshot()
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		for _, e := range events {
			// A new version may rewrite objects no component restarts for (the Art. 30 record
			// lists its new controls): Ready waits for that write to be observed, Compliant does
			// not drop. Only Compliant and the pods (checked above) are the meetings' business.
			applying := e.reconcilingReason == v1alpha1.ReasonApplyingChanges
			if e.compliant != metav1.ConditionTrue || (e.ready != metav1.ConditionTrue && !rolled[key.Name] && !applying) {
				t.Errorf("%s was not Ready and Compliant during the upgrade: %s", key, e)
			}
		}
		t.Logf("%s: %d versions seen, all Compliant (Ready checked too: %v)", key, len(events), !rolled[key.Name])
	}
}

// assertNoDriftEvents checks that nothing about the platforms was reported as drift since the
// swap: a new version's rendering is not someone else's change.
func assertNoDriftEvents(t *testing.T, ctx context.Context, ns string, keys []types.NamespacedName, since time.Time) {
	t.Helper()
	var errs []error
	for _, key := range keys {
		for _, reason := range []string{v1alpha1.EventDriftReverted, v1alpha1.EventDriftNotReverted} {
			found, err := matchingEvents(ctx, ns, eventMatch{platform: key.Name, reason: reason, since: since})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range found {
				errs = append(errs, fmt.Errorf("%s: %s", key, e))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
}
