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

package evaluate

import (
	"maps"
	"path"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/meetwarden/meetwarden/controllers/settings"
)

// OVR-1: the operator owns every override channel of the components.
func checkOverrides(s *Snapshot) (resultValue, string) {
	f := s.settingFindings(settings.OVR1)
	if s.Desired == nil {
		f.add("the spec cannot be rendered, so the operator's own mounts are unknown")
	}
	for _, d := range s.deploymentsSorted() {
		if _, ok := s.isOperatorComponent(d); !ok {
			continue // a workload the operator did not create is judged by REC-1 and TEL-4
		}
		f.addAll(foreignChannels(d, s.desiredDeployment(d.Name)))
	}
	f.addAll(s.booleanFindings())
	return f.result("the operator owns every override path of the components: no foreign mount, envFrom or raw-injection variable, and every boolean is canonical")
}

// foreignChannels lists the mounts at override paths and the envFrom sources of a component's
// containers that the rendered Deployment does not have.
func foreignChannels(live, want *appsv1.Deployment) findings {
	var f findings
	for _, c := range allContainers(&live.Spec.Template.Spec) {
		var wc *corev1.Container
		if want != nil {
			for _, rc := range allContainers(&want.Spec.Template.Spec) {
				if rc.Name == c.Name {
					wc = rc
				}
			}
		}
		for _, m := range c.VolumeMounts {
			why, override := overridePath(m.MountPath)
			if !override || mountAsRendered(live, m, want, wc) {
				continue
			}
			f.add("%s mounts %s at %s, which the operator did not (%s)", workload(live, c), describeVolume(volume(live, m.Name)), m.MountPath, why)
		}
		for _, ef := range c.EnvFrom {
			if wc != nil && slices.ContainsFunc(wc.EnvFrom, func(w corev1.EnvFromSource) bool { return equality.Semantic.DeepEqual(w, ef) }) {
				continue
			}
			src := "an unnamed source"
			switch {
			case ef.ConfigMapRef != nil:
				src = "ConfigMap " + ef.ConfigMapRef.Name
			case ef.SecretRef != nil:
				src = "Secret " + ef.SecretRef.Name
			}
			f.add("%s takes variables from %s through envFrom, which the operator does not", workload(live, c), src)
		}
	}
	return f
}

// overridePath says why a mount path reaches an override channel: it is one, lies below one,
// or covers one (a mount at /usr/share hides /usr/share/jitsi-meet).
func overridePath(mountPath string) (string, bool) {
	clean := path.Clean("/" + mountPath)
	if p, ok := settings.UnderOverridePath(clean); ok {
		return p.Path + ": " + p.Why, true
	}
	for _, p := range settings.OverridePaths {
		if clean == "/" || strings.HasPrefix(p.Path, clean+"/") {
			return "covers " + p.Path + ": " + p.Why, true
		}
	}
	return "", false
}

// volume returns the pod template's volume of that name, or nil.
func volume(d *appsv1.Deployment, name string) *corev1.Volume {
	for i := range d.Spec.Template.Spec.Volumes {
		if d.Spec.Template.Spec.Volumes[i].Name == name {
			return &d.Spec.Template.Spec.Volumes[i]
		}
	}
	return nil
}

// mountAsRendered reports whether a live mount is one the operator renders: same container,
// path, sub-path and volume, and the volume has the rendered source (the operator's ConfigMap,
// an emptyDir, or the Secret with the keys it renders: coturn's certificate).
func mountAsRendered(live *appsv1.Deployment, m corev1.VolumeMount, want *appsv1.Deployment, wc *corev1.Container) bool {
	if want == nil || wc == nil {
		return false
	}
	i := slices.IndexFunc(wc.VolumeMounts, func(w corev1.VolumeMount) bool {
		return path.Clean(w.MountPath) == path.Clean(m.MountPath) && w.SubPath == m.SubPath && w.Name == m.Name && w.SubPathExpr == m.SubPathExpr
	})
	if i < 0 {
		return false
	}
	lv, wv := volume(live, m.Name), volume(want, m.Name)
	switch {
	case lv == nil || wv == nil:
		return false
	case wv.ConfigMap != nil:
		return lv.ConfigMap != nil && lv.ConfigMap.Name == wv.ConfigMap.Name && len(lv.ConfigMap.Items) == 0 && lv.Projected == nil
	case wv.EmptyDir != nil:
		return lv.EmptyDir != nil
	case wv.Secret != nil:
		return lv.Secret != nil && lv.Secret.SecretName == wv.Secret.SecretName && equality.Semantic.DeepEqual(lv.Secret.Items, wv.Secret.Items)
	}
	return false
}

// booleanFindings lists boolean variables that are not spelled canonically. The images read
// every other string ("no", "off") as true.
func (s *Snapshot) booleanFindings() findings {
	var f findings
	for _, d := range s.deploymentsSorted() {
		for _, c := range allContainers(&d.Spec.Template.Spec) {
			envs := s.effectiveEnv(c)
			for _, name := range slices.Sorted(maps.Keys(envs)) {
				if !settings.IsBooleanEnv(name) {
					continue
				}
				if v, ok := envs[name].literal(); ok && settings.CanonicalBool(v) {
					continue
				}
				f.add("%s sets %s=%s, not a canonical boolean (the images read anything but true, false, 1 and 0 as true)",
					workload(d, c), name, envs[name].describe())
			}
		}
	}
	return f
}
