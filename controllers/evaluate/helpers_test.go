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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
	"github.com/meetwarden/meetwarden/test/fixtures"
)

func TestAPanickingCheckFailsItsControl(t *testing.T) {
	c := Control{Control: settings.Control{ID: "X-1"}, Check: func(*Snapshot) (v1alpha1.ControlResultValue, string) { panic("boom\nagain") }}
	result, message := run(c, passingJWT(t))
	if result != v1alpha1.ResultFail || message != "the live objects could not be evaluated: boom again" {
		t.Errorf("run = %s %q, want Fail with the panic on one line", result, message)
	}
}

func TestPrivateAddress(t *testing.T) {
	for addr, private := range map[string]bool{
		"203.0.113.10": false, "2001:db8::1": false, "198.51.100.7#10000": false, "[2a01:4f8::1]": false,
		"10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true, "127.0.0.1": true, "169.254.1.1": true,
		"100.64.0.1": true, "100.127.255.254": true, "fd00::1": true, "fe80::1": true, "::1": true, "0.0.0.0": true,
		"::ffff:10.0.0.1": true, "meet.example.eu": true,
	} {
		if got := privateAddress(addr) != ""; got != private {
			t.Errorf("privateAddress(%q) rejects = %v, want %v (%s)", addr, got, private, privateAddress(addr))
		}
	}
}

func TestOverridePath(t *testing.T) {
	for mount, want := range map[string]bool{
		"/config": true, "/config/custom-config.js": true, "/defaults/logging.properties": true,
		"/prosody-plugins-custom": true, "/usr/share": true, "/": true, "/usr/share/jitsi-meet/static/x.html": true,
		"/run": true, "/tmp": false, "/var/lib/prosody": false, "/configuration": false,
	} {
		if _, got := overridePath(mount); got != want {
			t.Errorf("overridePath(%q) = %v, want %v", mount, got, want)
		}
	}
}

func TestCovers(t *testing.T) {
	http := port{name: "http", number: 8000, protocol: corev1.ProtocolTCP}
	tcp := func(p intstr.IntOrString, end *int32) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Protocol: ptr.To(corev1.ProtocolTCP), Port: &p, EndPort: end}
	}
	cases := []struct {
		name  string
		ports []networkingv1.NetworkPolicyPort
		want  bool
	}{
		{"no ports admits every port", nil, true},
		{"the port by number", []networkingv1.NetworkPolicyPort{tcp(intstr.FromInt32(8000), nil)}, true},
		{"the port by name", []networkingv1.NetworkPolicyPort{tcp(intstr.FromString("http"), nil)}, true},
		{"a range around the port", []networkingv1.NetworkPolicyPort{tcp(intstr.FromInt32(7000), ptr.To[int32](9000))}, true},
		{"every TCP port", []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP)}}, true},
		{"another port", []networkingv1.NetworkPolicyPort{tcp(intstr.FromInt32(8443), nil)}, false},
		{"the number over UDP", []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolUDP), Port: ptr.To(intstr.FromInt32(8000))}}, false},
		{"the default protocol is TCP", []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromInt32(8000))}}, true},
	}
	for _, c := range cases {
		if got := covers(c.ports, http); got != c.want {
			t.Errorf("%s: covers = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTheNextCertificateChangeIsWhenTLS2WouldChangeByTheClock(t *testing.T) {
	issued := now.Add(-time.Hour)
	sec := tlsSecret("meet-tls", fixtures.Certificate{Host: "meet.example.eu", NotBefore: issued, ValidFor: 90 * 24 * time.Hour, RSABits: 2048})
	expires := issued.Add(90 * 24 * time.Hour)
	for _, tt := range []struct {
		name     string
		at, want time.Time
	}{
		{"before it is valid: when it becomes valid", issued.Add(-time.Hour), issued},
		{"while valid: when the 14-day warning starts", now, expires.Add(-14 * 24 * time.Hour)},
		{"within the warning: when it expires", expires.Add(-24 * time.Hour), expires},
		{"once expired: never again", expires.Add(time.Hour), time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := CertificateChange(sec, tt.at); !got.Equal(tt.want) {
				t.Errorf("CertificateChange = %s, want %s", got, tt.want)
			}
		})
	}
	if !CertificateChange(nil, now).IsZero() {
		t.Error("a missing Secret has a change")
	}
}
