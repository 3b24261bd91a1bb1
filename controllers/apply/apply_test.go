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

package apply

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
)

func TestKeepAllocated(t *testing.T) {
	live := corev1.ServiceSpec{
		ClusterIP:           "10.96.0.7",
		ClusterIPs:          []string{"10.96.0.7"},
		IPFamilies:          []corev1.IPFamily{corev1.IPv4Protocol},
		IPFamilyPolicy:      ptr.To(corev1.IPFamilyPolicySingleStack),
		HealthCheckNodePort: 32100,
		Ports: []corev1.ServicePort{
			{Name: "media", Port: 10000, NodePort: 30000},
			{Name: "metrics", Port: 9090, NodePort: 31500},
		},
	}
	allocated := func(ports ...corev1.ServicePort) corev1.ServiceSpec {
		return corev1.ServiceSpec{
			ClusterIP: live.ClusterIP, ClusterIPs: live.ClusterIPs, IPFamilies: live.IPFamilies,
			IPFamilyPolicy: live.IPFamilyPolicy, HealthCheckNodePort: live.HealthCheckNodePort, Ports: ports,
		}
	}
	tests := []struct {
		name    string
		desired corev1.ServiceSpec
		want    corev1.ServiceSpec
	}{
		{
			name:    "the cluster IPs, IP families and health check node port Kubernetes allocated are carried over",
			desired: corev1.ServiceSpec{},
			want:    allocated(),
		},
		{
			name:    "a node port the spec leaves open keeps the one Kubernetes allocated",
			desired: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "metrics", Port: 9090}}},
			want:    allocated(corev1.ServicePort{Name: "metrics", Port: 9090, NodePort: 31500}),
		},
		{
			name:    "a node port the spec names is written as named, so a port change goes through",
			desired: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "media", Port: 10000, NodePort: 30007}}},
			want:    allocated(corev1.ServicePort{Name: "media", Port: 10000, NodePort: 30007}),
		},
		{
			name:    "ports are matched by name, so a new port gets no allocation of another",
			desired: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "turn", Port: 3478}}},
			want:    allocated(corev1.ServicePort{Name: "turn", Port: 3478}),
		},
		{
			name:    "a health check node port the spec names is kept",
			desired: corev1.ServiceSpec{HealthCheckNodePort: 32200},
			want: func() corev1.ServiceSpec {
				s := allocated()
				s.HealthCheckNodePort = 32200
				return s
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &corev1.Service{Spec: tt.desired}
			keepAllocated(svc, &corev1.Service{Spec: *live.DeepCopy()})
			if diff := cmp.Diff(tt.want, svc.Spec); diff != "" {
				t.Errorf("spec after keepAllocated (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetDesiredHash(t *testing.T) {
	configMap := func(data string, annotations map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "n", Annotations: annotations},
			Data:       map[string]string{"k": data},
		}
	}
	tests := []struct {
		name     string
		a, b     *corev1.ConfigMap
		wantSame bool
	}{
		{
			name: "the same content gets the same hash", wantSame: true,
			a: configMap("v", nil), b: configMap("v", nil),
		},
		{
			name: "a hash stamped before does not change the hash", wantSame: true,
			a: configMap("v", nil), b: configMap("v", map[string]string{desiredHashAnnotation: "0123456789abcdef"}),
		},
		{
			name: "a changed value changes the hash",
			a:    configMap("v", nil), b: configMap("w", nil),
		},
		{
			name: "a changed annotation changes the hash",
			a:    configMap("v", nil), b: configMap("v", map[string]string{"x": "y"}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, obj := range []*corev1.ConfigMap{tt.a, tt.b} {
				if err := setDesiredHash(obj); err != nil {
					t.Fatal(err)
				}
			}
			ha, hb := tt.a.Annotations[desiredHashAnnotation], tt.b.Annotations[desiredHashAnnotation]
			if ha == "" || hb == "" {
				t.Fatalf("no hash stamped: %q, %q", ha, hb)
			}
			if (ha == hb) != tt.wantSame {
				t.Errorf("hashes %q and %q: same = %v, want %v", ha, hb, ha == hb, tt.wantSame)
			}
		})
	}

	t.Run("stamping twice gives the same hash and keeps the other annotations", func(t *testing.T) {
		cm := configMap("v", map[string]string{"x": "y"})
		if err := setDesiredHash(cm); err != nil {
			t.Fatal(err)
		}
		first := cm.Annotations[desiredHashAnnotation]
		if err := setDesiredHash(cm); err != nil {
			t.Fatal(err)
		}
		if got := cm.Annotations[desiredHashAnnotation]; got != first {
			t.Errorf("the second stamp is %q, the first %q", got, first)
		}
		if cm.Annotations["x"] != "y" {
			t.Errorf("annotations %v lost x=y", cm.Annotations)
		}
	})
}

func TestPrepareMakesTheOwnerTheControllerAndStampsTheHash(t *testing.T) {
	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner", Namespace: "n", UID: types.UID("u-1")}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "n"}}
	if err := Prepare(owner, cm, clientgoscheme.Scheme); err != nil {
		t.Fatal(err)
	}
	refs := cm.GetOwnerReferences()
	if len(refs) != 1 || refs[0].UID != owner.UID || refs[0].Controller == nil || !*refs[0].Controller {
		t.Errorf("owner references %+v, want the owner as controller", refs)
	}
	if cm.Annotations[desiredHashAnnotation] == "" {
		t.Errorf("no desired hash stamped: %v", cm.Annotations)
	}
}

func TestDescribeDrift(t *testing.T) {
	tests := []struct {
		name    string
		foreign []string
		differs string
		want    string
	}{
		{
			name:    "fields of another manager are named with the manager",
			foreign: []string{"kubectl-set: spec.template.spec.containers[name=web].env[name=X]"},
			want:    "changed by another manager: kubectl-set: spec.template.spec.containers[name=web].env[name=X]",
		},
		{
			name:    "up to three foreign fields are all named",
			foreign: []string{"a: x", "b: y", "c: z"},
			want:    "changed by another manager: a: x; b: y; c: z",
		},
		{
			name:    "beyond three foreign fields the rest are counted",
			foreign: []string{"a: w", "a: x", "b: y", "c: z", "d: zz"},
			want:    "changed by another manager: a: w; a: x; b: y and 2 more",
		},
		{
			name:    "foreign fields are named rather than the first difference",
			foreign: []string{"a: x"}, differs: "data.k",
			want: "changed by another manager: a: x",
		},
		{
			name:    "without a foreign manager the first differing field is named",
			differs: "spec.replicas",
			want:    "spec.replicas differs from the desired state",
		},
		{
			name: "with nothing to name the sentence still says what is wrong",
			want: "differs from the desired state",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describeDrift(tt.foreign, tt.differs); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequestsNodePort(t *testing.T) {
	tests := []struct {
		name  string
		ports []corev1.ServicePort
		want  bool
	}{
		{name: "a Service without ports names no node port"},
		{name: "a port without a node port lets Kubernetes choose", ports: []corev1.ServicePort{{Port: 443}}},
		{
			name:  "a port with a node port names it",
			ports: []corev1.ServicePort{{Port: 10000, NodePort: 30000}},
			want:  true,
		},
		{
			name:  "one named node port among several ports is enough",
			ports: []corev1.ServicePort{{Name: "a", Port: 443}, {Name: "b", Port: 10000, NodePort: 30000}},
			want:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &corev1.Service{Spec: corev1.ServiceSpec{Ports: tt.ports}}
			if got := requestsNodePort(svc); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOwnedByUpdate(t *testing.T) {
	entry := func(manager string, op metav1.ManagedFieldsOperationType, subresource string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, Subresource: subresource}
	}
	tests := []struct {
		name    string
		entries []metav1.ManagedFieldsEntry
		want    bool
	}{
		{name: "an object without managedFields is not owned by update"},
		{
			name:    "the operator's apply entry alone is not an update entry",
			entries: []metav1.ManagedFieldsEntry{entry(FieldOwner, metav1.ManagedFieldsOperationApply, "")},
		},
		{
			name: "an update entry of the operator, left by a POST or PUT, is found",
			entries: []metav1.ManagedFieldsEntry{
				entry(FieldOwner, metav1.ManagedFieldsOperationApply, ""),
				entry(FieldOwner, metav1.ManagedFieldsOperationUpdate, ""),
			},
			want: true,
		},
		{
			name:    "an update of the status subresource does not count",
			entries: []metav1.ManagedFieldsEntry{entry(FieldOwner, metav1.ManagedFieldsOperationUpdate, "status")},
		},
		{
			name:    "another manager's update entry does not count",
			entries: []metav1.ManagedFieldsEntry{entry("kubectl-edit", metav1.ManagedFieldsOperationUpdate, "")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{ManagedFields: tt.entries}}
			if got := ownedByUpdate(cm); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
