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
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/regions"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// EU-1: every pod template requires nodes in the allowed regions.
func checkRequiredAffinity(s *Snapshot) (v1alpha1.ControlResultValue, string) {
	mp := s.Platform
	label := mp.Spec.Placement.RegionLabel
	allowed := settings.AllowedRegions(mp)
	deployments := s.deploymentsSorted()
	if len(deployments) == 0 {
		return fail("no Deployment of the platform exists")
	}
	var f findings
	for _, d := range deployments {
		if problem := affinityProblem(d.Spec.Template.Spec.Affinity, label, allowed); problem != "" {
			f.add("Deployment %s %s", d.Name, problem)
		}
	}
	return f.result(fmt.Sprintf("every pod template requires nodes whose %s is in the allowed regions of %s",
		label, describePlacement(mp)))
}

// affinityProblem says what is wrong with a pod template's required node affinity, or "".
// Node selector terms are alternatives, so every term must pin the region label.
func affinityProblem(a *corev1.Affinity, label string, allowed []string) string {
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil ||
		len(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms) == 0 {
		return "has no requiredDuringSchedulingIgnoredDuringExecution node affinity on " + label
	}
	for i, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		var values []string
		pinned := false
		for _, e := range term.MatchExpressions {
			if e.Key != label || e.Operator != corev1.NodeSelectorOpIn {
				continue
			}
			if pinned {
				values = intersect(values, e.Values)
			} else {
				values, pinned = slices.Clone(e.Values), true
			}
		}
		if !pinned {
			return fmt.Sprintf("node selector term %d does not require %s In the allowed regions", i, label)
		}
		if len(values) == 0 {
			return fmt.Sprintf("node selector term %d requires %s In no region", i, label)
		}
		var outside []string
		for _, v := range values {
			if !slices.Contains(allowed, v) {
				outside = append(outside, v)
			}
		}
		if len(outside) > 0 {
			slices.Sort(outside)
			return fmt.Sprintf("node selector term %d admits %s %s outside the allowed regions", i, label, quoteList(outside))
		}
	}
	return ""
}

func intersect(a, b []string) []string {
	var out []string
	for _, v := range a {
		if slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

// describePlacement names the allowed set: the spec's list or the catalog of the jurisdiction.
func describePlacement(mp *v1alpha1.MeetingPlatform) string {
	if len(mp.Spec.Placement.AllowedRegions) > 0 {
		return "spec.placement.allowedRegions"
	}
	return "jurisdiction " + string(mp.Spec.Placement.Jurisdiction)
}

// EU-2: every running pod sits on a node the region catalog places inside the jurisdiction.
// A node in a region the catalog does not know but the user listed is allowed (it is not
// evicted), yet its location is the user's word, not a fact the operator checked: then the
// result is Warn, naming those user-asserted regions, never Pass on a guess.
func checkPodPlacement(s *Snapshot) (v1alpha1.ControlResultValue, string) {
	mp := s.Platform
	f := s.nodeFindings("region", func(node *corev1.Node) (bool, string) {
		v := settings.JudgeNode(mp, node)
		return v.Allowed, v.Reason
	})
	ok := fmt.Sprintf("every running platform pod sits on a node inside the allowed regions of %s", describePlacement(mp))
	if asserted := s.userAssertedRegions(); len(f) == 0 && len(asserted) > 0 {
		return warn("%s, but the location of %s is user-asserted: listed in spec.placement.allowedRegions and unknown to the built-in catalog, so it is not verified", ok, quoteList(asserted))
	}
	return f.result(ok)
}

// userAssertedRegions are the sorted region labels of the nodes running platform pods that
// the judgement allows only on the user's word.
func (s *Snapshot) userAssertedRegions() []string {
	var out []string
	for _, pod := range s.runningPods() {
		node := s.Nodes[pod.Spec.NodeName]
		if node == nil {
			continue
		}
		if v := settings.JudgeNode(s.Platform, node); v.Allowed && v.UserAsserted {
			out = append(out, node.Labels[s.Platform.Spec.Placement.RegionLabel])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// nodeFindings judges the node of every running pod, naming the pod, its node and the reason
// for each rejection. A node the snapshot lacks is rejected: its property (what) is unknown.
func (s *Snapshot) nodeFindings(what string, judge func(*corev1.Node) (bool, string)) findings {
	var f findings
	for _, pod := range s.runningPods() {
		node := s.Nodes[pod.Spec.NodeName]
		if node == nil {
			f.add("pod %s on node %s: the node could not be read, so its %s is unknown", pod.Name, pod.Spec.NodeName, what)
			continue
		}
		if ok, reason := judge(node); !ok {
			f.add("pod %s on node %s: %s", pod.Name, node.Name, reason)
		}
	}
	return f
}

// EU-3: the videobridge advertises only public addresses, and no private candidates.
func checkAdvertisedAddresses(s *Snapshot) (v1alpha1.ControlResultValue, string) {
	var f findings
	for _, d := range s.bridgeDeployments() {
		envs := s.effectiveEnv(mainContainer(d, settings.JVB))
		for _, name := range settings.AdvertiseVariables {
			v := envs[name]
			if !v.set {
				continue
			}
			value, ok := v.literal()
			if !ok {
				f.add("Deployment %s sets %s %s, which cannot be checked for private addresses", d.Name, name, v.describe())
				continue
			}
			for _, addr := range splitList(value) {
				if why := privateAddress(addr); why != "" {
					f.add("Deployment %s advertises %s=%q: %s", d.Name, name, addr, why)
				}
			}
		}
	}
	f.addAll(s.settingFindings(settings.EU3))
	return f.result("the videobridge advertises no private, loopback, link-local or shared address")
}

// splitList splits a comma- or space-separated list, dropping empty items.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}

// privateAddress says why an advertised address (optionally "ip#port") must not reach clients,
// or "" when it is a public address. A name that is not an IP address cannot be judged and
// fails: the image advertises whatever it resolves to.
func privateAddress(item string) string {
	host, _, _ := strings.Cut(item, "#")
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return "not an IP address, so what it resolves to cannot be judged"
	}
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsPrivate():
		return "a private address (RFC 1918 or unique local)"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsUnspecified():
		return "the unspecified address"
	case addr.IsMulticast():
		return "a multicast address"
	case sharedAddressSpace.Contains(addr):
		return "a shared (carrier-grade NAT) address"
	}
	return ""
}

// sharedAddressSpace is settings.SharedAddressSpace, parsed.
var sharedAddressSpace = netip.MustParsePrefix(settings.SharedAddressSpace)

// EU-4: with sovereignProviders, every node is run by an EU/EEA-headquartered provider.
func checkSovereignProviders(s *Snapshot) (v1alpha1.ControlResultValue, string) {
	mp := s.Platform
	if !mp.Spec.Placement.SovereignProviders {
		return pass("not required (spec.placement.sovereignProviders is false)")
	}
	f := s.nodeFindings("provider", func(node *corev1.Node) (bool, string) {
		return regions.SovereignProvider(node.Spec.ProviderID)
	})
	return f.result("every node running a platform pod belongs to a provider headquartered in the EU/EEA, or to none (on-premises)")
}
