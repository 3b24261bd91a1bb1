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
	"context"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/apply"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func mediaService(t *testing.T, mp *v1alpha1.MeetingPlatform) *corev1.Service {
	t.Helper()
	svc := &corev1.Service{}
	key := client.ObjectKey{Namespace: mp.Namespace, Name: settings.Name(mp, string(settings.JVB))}
	if err := k8s.Get(context.Background(), key, svc); err != nil {
		t.Fatal(err)
	}
	return svc
}

// operatorEntries lists the operator's managedFields entries as "Operation/subresource".
func operatorEntries(obj client.Object) []string {
	var out []string
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager == apply.FieldOwner {
			out = append(out, string(mf.Operation)+"/"+mf.Subresource)
		}
	}
	return out
}

func TestMediaServiceIsCreatedWithPOSTAndFollowsAPortChange(t *testing.T) {
	m := startManager(t)
	mp := convergedPlatform(t, v1alpha1.ComplianceModeEnforce)

	// A create-on-apply commits the node-port allocation before the write and leaks it when
	// the request is cut short; a POST does not.
	svc := mediaService(t, mp)
	createPath := "POST /api/v1/namespaces/" + mp.Namespace + "/services"
	if !slices.Contains(m.writes.Writes(), createPath) {
		t.Errorf("the media Service was not created with a POST; the operator's writes: %v", m.writes.Writes())
	}
	if got := operatorEntries(svc); !slices.Equal(got, []string{"Apply/"}) {
		t.Errorf("the operator's managedFields entries on the media Service are %v, want only its apply entry", got)
	}
	if eventFor(mp, "NoMediaAddress", "") == nil {
		t.Errorf("a NoMediaAddress event was emitted although spec.media.advertiseAddresses is set")
	}

	// Had the POST left its fields in an Update entry, the apply of the new port could not
	// remove the old one and the Service would carry both.
	newPort := 30000 + nodePortN.Add(1)
	// The operator writes the status meanwhile, which conflicts with a stale update.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		live := getPlatform(t, mp)
		live.Spec.Media.Port = newPort
		return k8s.Update(context.Background(), live)
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the media Service has exactly the new port", func() error {
		ports := mediaService(t, mp).Spec.Ports
		if len(ports) != 1 || ports[0].Port != newPort || ports[0].NodePort != newPort {
			return fmt.Errorf("ports %+v, want one port %d with node port %d", ports, newPort, newPort)
		}
		return nil
	})
}

func TestATakenNodePortStallsWithAHint(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	port := 30000 + nodePortN.Add(1)
	other := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "someone-else", Namespace: newNamespace(t)},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{
			Port: 3478, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(3478), NodePort: port}}},
	}
	if err := k8s.Create(context.Background(), other); err != nil {
		t.Fatal(err)
	}

	ns := newNamespace(t)
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	mp.Spec.Media.Port = port
	if err := k8s.Create(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Stalled names the taken port and the field to change", stalledWith(mp, "ChildRejected", fmt.Sprintf("uses node port %d: choose a free spec.media.port", port)))

	if err := k8s.Delete(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the platform deploys once the port is free", deployed(mp))
}

func TestAPlatformWithoutAMediaAddressIsWarnedAbout(t *testing.T) {
	startManager(t)
	ensureEUNode(t)
	ns := newNamespace(t)
	createSecrets(t, ns)
	mp := newPlatform(ns, v1alpha1.ComplianceModeEnforce)
	mp.Spec.Media.AdvertiseAddresses = nil
	createPlatform(t, mp)
	eventually(t, "a NoMediaAddress event names the fields to set", func() error {
		return eventFor(mp, "NoMediaAddress", "spec.media.advertiseAddresses")
	})
}
