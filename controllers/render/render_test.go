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

package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/regions"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

func mustRender(t *testing.T, mp *v1alpha1.MeetingPlatform) []client.Object {
	t.Helper()
	objs, err := Objects(settings.Defaulted(mp))
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	return objs
}

// find returns the rendered object of type T with the given name.
func find[T client.Object](t *testing.T, objs []client.Object, name string) T {
	t.Helper()
	for _, o := range objs {
		if typed, ok := o.(T); ok && o.GetName() == name {
			return typed
		}
	}
	var zero T
	t.Fatalf("no %T named %s", zero, name)
	return zero
}

func envOf(t *testing.T, objs []client.Object, mp *v1alpha1.MeetingPlatform, c settings.Component) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range find[*appsv1.Deployment](t, objs, settings.Name(mp, string(c))).Spec.Template.Spec.Containers[0].Env {
		out[e.Name] = e.Value
	}
	return out
}

func TestInvariantsHoldForEverySampleSpec(t *testing.T) {
	for name, mp := range sampleSpecs() {
		t.Run(name, func(t *testing.T) {
			for _, p := range invariants(mp, mustRender(t, mp)) {
				t.Error(p)
			}
		})
	}
}

func TestRenderingIsDeterministic(t *testing.T) {
	for name, mp := range sampleSpecs() {
		t.Run(name+" renders deep-equal objects twice", func(t *testing.T) {
			if a, b := mustRender(t, mp), mustRender(t, mp); !equality.Semantic.DeepEqual(a, b) {
				t.Fatal("two renders differ")
			}
		})
	}
	t.Run("the order of allowedRegions does not matter", func(t *testing.T) {
		a, b := jwtGuestsNodePort(), jwtGuestsNodePort()
		slices.Reverse(b.Spec.Placement.AllowedRegions)
		if !equality.Semantic.DeepEqual(mustRender(t, a), mustRender(t, b)) {
			t.Fatal("renders differ")
		}
	})
	t.Run("rendering does not modify the spec", func(t *testing.T) {
		mp := minimal()
		before := mp.DeepCopy()
		mustRender(t, mp)
		if !equality.Semantic.DeepEqual(mp, before) {
			t.Fatal("Objects changed its input")
		}
	})
	t.Run("no two objects share a map", func(t *testing.T) {
		objs := mustRender(t, minimal())
		objs[0].GetLabels()["x"] = "y"
		for _, o := range objs[1:] {
			if o.GetLabels()["x"] == "y" {
				t.Fatalf("%s shares its labels", o.GetName())
			}
		}
	})
}

func TestObjects(t *testing.T) {
	t.Run("the default spec renders ConfigMaps, Deployments, Services, an Ingress, NetworkPolicies and PodDisruptionBudgets in that order", func(t *testing.T) {
		var got []string
		for _, o := range mustRender(t, minimal()) {
			got = append(got, o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName())
		}
		want := []string{
			"ConfigMap/meet-web-config", "ConfigMap/meet-jicofo-config", "ConfigMap/meet-jvb-config",
			"Deployment/meet-web", "Deployment/meet-prosody", "Deployment/meet-jicofo", "Deployment/meet-jvb",
			"Service/meet-web", "Service/meet-prosody", "Service/meet-jvb",
			"Ingress/meet",
			"NetworkPolicy/meet-default-deny", "NetworkPolicy/meet-dns", "NetworkPolicy/meet-web",
			"NetworkPolicy/meet-prosody", "NetworkPolicy/meet-jicofo", "NetworkPolicy/meet-jvb",
			"PodDisruptionBudget/meet-web", "PodDisruptionBudget/meet-prosody", "PodDisruptionBudget/meet-jicofo", "PodDisruptionBudget/meet-jvb",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
	})
	t.Run("guests follow the spec on web and prosody", func(t *testing.T) {
		for _, guests := range []bool{true, false} {
			mp := minimal()
			mp.Spec.Access.Guests = guests
			objs := mustRender(t, mp)
			for _, c := range []settings.Component{settings.Web, settings.Prosody} {
				if got := envOf(t, objs, mp, c)["ENABLE_GUESTS"]; got != map[bool]string{true: "true", false: "false"}[guests] {
					t.Errorf("guests=%v: %s ENABLE_GUESTS=%q", guests, c, got)
				}
			}
		}
	})
	t.Run("without own STUN servers peer-to-peer and the bridge's STUN are off", func(t *testing.T) {
		mp := minimal()
		objs := mustRender(t, mp)
		if envOf(t, objs, mp, settings.Web)["ENABLE_P2P"] != "false" || envOf(t, objs, mp, settings.JVB)["JVB_DISABLE_STUN"] != "true" {
			t.Fatal("P2P or STUN on")
		}
		if _, set := envOf(t, objs, mp, settings.JVB)["JVB_STUN_SERVERS"]; set {
			t.Fatal("JVB_STUN_SERVERS set")
		}
		jvbConf := find[*corev1.ConfigMap](t, objs, settings.ConfigMapName(mp, settings.JVB)).Data[settings.CustomJVBKey]
		if !strings.Contains(jvbConf, "ice4j.harvest.mapping.stun.enabled = false") {
			t.Fatalf("custom-jvb.conf leaves STUN on:\n%s", jvbConf)
		}
		for _, rule := range find[*networkingv1.NetworkPolicy](t, objs, settings.Name(mp, "jvb")).Spec.Egress {
			if len(rule.To) == 0 || rule.To[0].IPBlock != nil {
				t.Fatalf("the bridge may reach the internet: %+v", rule)
			}
		}
	})
	t.Run("own STUN servers enable peer-to-peer with only those servers", func(t *testing.T) {
		mp := internalOwnSTUN()
		objs := mustRender(t, mp)
		if envOf(t, objs, mp, settings.Web)["ENABLE_P2P"] != "true" {
			t.Fatal("P2P off")
		}
		if got := envOf(t, objs, mp, settings.JVB)["JVB_STUN_SERVERS"]; got != "stun.example.org:3478,stun2.example.org:443" {
			t.Fatalf("JVB_STUN_SERVERS=%q", got)
		}
		js := find[*corev1.ConfigMap](t, objs, settings.ConfigMapName(mp, settings.Web)).Data[settings.CustomConfigKey]
		if !strings.Contains(js, `config.p2p.stunServers = [{ urls: "stun:stun.example.org:3478" }, { urls: "stuns:stun2.example.org:443" }];`) {
			t.Fatalf("custom-config.js:\n%s", js)
		}
	})
	t.Run("JWT reads the signing secret from the spec's Secret and key", func(t *testing.T) {
		mp := minimal()
		mp.Spec.Access.JWT.SecretRef.Key = "hs256"
		dep := find[*appsv1.Deployment](t, mustRender(t, mp), "meet-prosody")
		for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
			if e.Name == "JWT_APP_SECRET" {
				if ref := e.ValueFrom.SecretKeyRef; ref.Name != "meet-jwt" || ref.Key != "hs256" {
					t.Fatalf("JWT_APP_SECRET from %s/%s", ref.Name, ref.Key)
				}
				return
			}
		}
		t.Fatal("no JWT_APP_SECRET")
	})
	t.Run("LDAP opens egress only to the directory's port", func(t *testing.T) {
		mp := ldapLoadBalancerCertManager()
		egress := find[*networkingv1.NetworkPolicy](t, mustRender(t, mp), "video-prosody").Spec.Egress
		if len(egress) != 1 || len(egress[0].Ports) != 1 || egress[0].Ports[0].Port.IntValue() != 6360 {
			t.Fatalf("egress %+v", egress)
		}
		mp.Spec.Access.LDAP.URL = "ldaps://ldap.example.de"
		egress = find[*networkingv1.NetworkPolicy](t, mustRender(t, mp), "video-prosody").Spec.Egress
		if egress[0].Ports[0].Port.IntValue() != 636 {
			t.Fatalf("default port %v", egress[0].Ports[0].Port)
		}
	})
	t.Run("an issuerRef adds a Certificate for the domain into <name>-tls, which the Ingress serves", func(t *testing.T) {
		mp := ldapLoadBalancerCertManager()
		objs := mustRender(t, mp)
		cert := find[*unstructured.Unstructured](t, objs, "video-tls")
		if cert.GetAPIVersion() != "cert-manager.io/v1" || cert.GetKind() != "Certificate" {
			t.Fatalf("certificate %s %s", cert.GetAPIVersion(), cert.GetKind())
		}
		names, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
		secret, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
		if !slices.Equal(names, []string{"video.example.de"}) || secret != "video-tls" {
			t.Fatalf("dnsNames %v secretName %s", names, secret)
		}
		if tls := find[*networkingv1.Ingress](t, objs, "video").Spec.TLS; tls[0].SecretName != "video-tls" {
			t.Fatalf("Ingress TLS %+v", tls)
		}
	})
	t.Run("a TLS Secret adds no Certificate", func(t *testing.T) {
		for _, o := range mustRender(t, minimal()) {
			if _, ok := o.(*unstructured.Unstructured); ok {
				t.Fatalf("unexpected %s", o.GetName())
			}
		}
	})
	t.Run("the Ingress serves only the domain, over TLS, and redirects plain HTTP", func(t *testing.T) {
		mp := jwtGuestsNodePort()
		ing := find[*networkingv1.Ingress](t, mustRender(t, mp), "meet")
		if len(ing.Spec.TLS) != 1 || !slices.Equal(ing.Spec.TLS[0].Hosts, []string{"meet.example.eu"}) || ing.Spec.TLS[0].SecretName != "meet-tls" {
			t.Fatalf("TLS %+v", ing.Spec.TLS)
		}
		if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "meet.example.eu" || ing.Spec.DefaultBackend != nil {
			t.Fatalf("rules %+v", ing.Spec.Rules)
		}
		if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
			t.Fatal("ingress class not set")
		}
		for _, a := range []string{settings.AnnotationSSLRedirect, settings.AnnotationForceSSLRedirect} {
			if ing.Annotations[a] != "true" {
				t.Errorf("%s=%q", a, ing.Annotations[a])
			}
		}
		for a := range ing.Annotations {
			if strings.Contains(a, "snippet") {
				t.Errorf("configuration snippet annotation %s", a)
			}
		}
	})
	t.Run("a NodePort media Service uses the media port as node port, a LoadBalancer lets Kubernetes choose", func(t *testing.T) {
		np := find[*corev1.Service](t, mustRender(t, jwtGuestsNodePort()), "meet-jvb").Spec
		if np.Type != corev1.ServiceTypeNodePort || np.Ports[0].NodePort != 31000 || np.Ports[0].Port != 31000 || np.Ports[0].Protocol != corev1.ProtocolUDP {
			t.Fatalf("NodePort service %+v", np)
		}
		lb := find[*corev1.Service](t, mustRender(t, ldapLoadBalancerCertManager()), "video-jvb").Spec
		if lb.Type != corev1.ServiceTypeLoadBalancer || lb.Ports[0].NodePort != 0 || lb.Ports[0].Port != 10000 {
			t.Fatalf("LoadBalancer service %+v", lb)
		}
	})
	t.Run("the bridge listens on the media port it announces", func(t *testing.T) {
		mp := jwtGuestsNodePort()
		objs := mustRender(t, mp)
		dep := find[*appsv1.Deployment](t, objs, "meet-jvb")
		if envOf(t, objs, mp, settings.JVB)["JVB_PORT"] != "31000" || dep.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort != 31000 {
			t.Fatal("JVB_PORT and container port differ from spec.media.port")
		}
	})
	t.Run("web replicas follow the spec, the singletons run once and are replaced, not rolled", func(t *testing.T) {
		objs := mustRender(t, jwtGuestsNodePort())
		for name, want := range map[string]int32{"meet-web": 2, "meet-prosody": 1, "meet-jicofo": 1, "meet-jvb": 1} {
			dep := find[*appsv1.Deployment](t, objs, name)
			if *dep.Spec.Replicas != want {
				t.Errorf("%s replicas %d", name, *dep.Spec.Replicas)
			}
			if name != "meet-web" && dep.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
				t.Errorf("%s strategy %s", name, dep.Spec.Strategy.Type)
			}
		}
	})
	t.Run("spec resources replace the defaults and size the bridge's heap", func(t *testing.T) {
		mp := internalOwnSTUN()
		objs := mustRender(t, mp)
		res := find[*appsv1.Deployment](t, objs, "conf-jvb").Spec.Template.Spec.Containers[0].Resources
		if res.Limits.Memory().String() != "4Gi" || res.Requests.Cpu().String() != "2" {
			t.Fatalf("resources %+v", res)
		}
		if got := envOf(t, objs, mp, settings.JVB)["VIDEOBRIDGE_MAX_MEMORY"]; got != "3072m" {
			t.Fatalf("VIDEOBRIDGE_MAX_MEMORY=%q", got)
		}
	})
	t.Run("an exabyte memory limit gives the bridge and jicofo the largest heap, not an overflow", func(t *testing.T) {
		mp := minimal()
		huge := &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4E")}}
		mp.Spec.Components.JVB.Resources, mp.Spec.Components.Jicofo.Resources = huge, huge.DeepCopy()
		objs := mustRender(t, mp)
		for c, name := range map[settings.Component]string{settings.JVB: "VIDEOBRIDGE_MAX_MEMORY", settings.Jicofo: "JICOFO_MAX_MEMORY"} {
			if got := envOf(t, objs, mp, c)[name]; got != "16384m" {
				t.Errorf("%s=%q, want 16384m", name, got)
			}
		}
	})
	t.Run("a configuration change changes the config hash of the pods that mount it", func(t *testing.T) {
		a, b := minimal(), minimal()
		b.Spec.PrivacyPolicyURL = "https://example.eu/privacy-v2"
		hash := func(mp *v1alpha1.MeetingPlatform, name string) string {
			return find[*appsv1.Deployment](t, mustRender(t, mp), name).Spec.Template.Annotations[settings.ConfigHashAnnotation]
		}
		if hash(a, "meet-web") == hash(b, "meet-web") || hash(a, "meet-web") == "" {
			t.Fatal("web hash did not change")
		}
		if hash(a, "meet-jicofo") != hash(b, "meet-jicofo") {
			t.Fatal("jicofo hash changed without a jicofo change")
		}
	})
	t.Run("the privacy notice link is escaped in HTML and JavaScript", func(t *testing.T) {
		mp := internalOwnSTUN()
		cm := find[*corev1.ConfigMap](t, mustRender(t, mp), "conf-web-config")
		if !strings.Contains(cm.Data[settings.WelcomeContentKey], `href="https://example.org/datenschutz?lang=de&amp;v=2"`) {
			t.Fatalf("welcome page:\n%s", cm.Data[settings.WelcomeContentKey])
		}
		if !strings.Contains(cm.Data[settings.CustomConfigKey], `privacy: "https://example.org/datenschutz?lang=de\u0026v=2"`) {
			t.Fatalf("custom-config.js:\n%s", cm.Data[settings.CustomConfigKey])
		}
	})
	t.Run("the access log format carries nothing personal", func(t *testing.T) {
		conf := find[*corev1.ConfigMap](t, mustRender(t, minimal()), "meet-web-config").Data
		if leaks := settings.LogFormatLeaks(conf[settings.NginxHTTPKey]); len(leaks) > 0 {
			t.Fatalf("log format leaks %v", leaks)
		}
		if !strings.Contains(conf[settings.NginxServerKey], "access_log /dev/stdout "+AccessLogFormatName+";") {
			t.Fatal("the site does not use the minimal format")
		}
	})
	t.Run("the Content-Security-Policy allows only the platform's origin", func(t *testing.T) {
		mp := minimal()
		if p := settings.CSPProblems(envOf(t, mustRender(t, mp), mp, settings.Web)["CSP_HEADER"], mp.Spec.Domain); len(p) > 0 {
			t.Fatal(p)
		}
	})
	t.Run("Java components log at WARNING without Sentry", func(t *testing.T) {
		objs := mustRender(t, minimal())
		for _, c := range []settings.Component{settings.Jicofo, settings.JVB} {
			props := find[*corev1.ConfigMap](t, objs, settings.ConfigMapName(minimal(), c)).Data[settings.LoggingKey]
			if !strings.Contains(props, "\n.level = WARNING\n") || !strings.Contains(props, "\nhandlers = java.util.logging.ConsoleHandler\n") || strings.Contains(props, "io.sentry") {
				t.Errorf("%s logging.properties:\n%s", c, props)
			}
		}
	})
}

func TestAllowedRegions(t *testing.T) {
	t.Run("an explicit list replaces the catalog, sorted and de-duplicated", func(t *testing.T) {
		mp := minimal()
		mp.Spec.Placement.AllowedRegions = []string{"b", "a", "b"}
		if got := settings.AllowedRegions(settings.Defaulted(mp)); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("without a list the catalog of the jurisdiction applies, EEA by default", func(t *testing.T) {
		mp := minimal()
		if got := settings.AllowedRegions(settings.Defaulted(mp)); !slices.Equal(got, regions.AllowedRegions(regions.EEA)) {
			t.Fatalf("got %v", got)
		}
		mp.Spec.Placement.Jurisdiction = v1alpha1.JurisdictionEU
		if got := settings.AllowedRegions(settings.Defaulted(mp)); !slices.Equal(got, regions.AllowedRegions(regions.EU)) {
			t.Fatalf("got %v", got)
		}
	})
}

func TestCredentialsSecret(t *testing.T) {
	mp := minimal()
	values := map[string][]byte{"JICOFO_AUTH_PASSWORD": []byte("a"), "JVB_AUTH_PASSWORD": []byte("b"), "JIBRI_XMPP_PASSWORD": []byte("c")}
	s := CredentialsSecret(mp, values)
	t.Run("it is named after the platform and labelled", func(t *testing.T) {
		if s.Name != "meet-credentials" || s.Namespace != "video" || s.Labels[settings.LabelInstance] != "meet" || s.Kind != "Secret" {
			t.Fatalf("%+v", s.ObjectMeta)
		}
	})
	t.Run("it holds the credential keys and drops every other key", func(t *testing.T) {
		if len(s.Data) != 2 || string(s.Data["JICOFO_AUTH_PASSWORD"]) != "a" || string(s.Data["JVB_AUTH_PASSWORD"]) != "b" {
			t.Fatalf("data %v", s.Data)
		}
	})
	t.Run("every credential a workload reads from it is one of its keys", func(t *testing.T) {
		for _, e := range settings.SecretEnvs(mp) {
			if e.Secret == settings.CredentialsSecretName(mp) && !slices.Contains(settings.CredentialKeys, e.Key) {
				t.Errorf("%s reads key %s", e.Name, e.Key)
			}
		}
	})
	t.Run("the caller's values are copied", func(t *testing.T) {
		values["JVB_AUTH_PASSWORD"][0] = 'x'
		if string(s.Data["JVB_AUTH_PASSWORD"]) != "b" {
			t.Fatal("shared slice")
		}
	})
}

func TestProcessingRecordConfigMap(t *testing.T) {
	cm := ProcessingRecordConfigMap(minimal(), "# record\n")
	if cm.Name != "meet-processing-record" || cm.Namespace != "video" || cm.Data[settings.ProcessingRecordKey] != "# record\n" || cm.Labels[settings.LabelManagedBy] != settings.ManagedByValue {
		t.Fatalf("%+v", cm)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*v1alpha1.MeetingPlatform)
		field  string
	}{
		{"a name too long for a Service is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Name = strings.Repeat("a", 60) }, "metadata.name"},
		{"an upper-case domain is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Domain = "Meet.example.eu" }, "spec.domain"},
		{"a single-label domain is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Domain = "meet" }, "spec.domain"},
		{"an http privacy URL is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.PrivacyPolicyURL = "http://example.eu/p" }, "spec.privacyPolicyURL"},
		{"a privacy URL with a newline is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.PrivacyPolicyURL = "https://example.eu/p\nx" }, "spec.privacyPolicyURL"},
		{"both TLS sources are refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.TLS.IssuerRef = &v1alpha1.IssuerReference{Name: "ca"}
		}, "spec.tls"},
		{"no TLS source is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.TLS.SecretName = "" }, "spec.tls"},
		{"a NodePort outside the node port range is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Media.Port = 10000 }, "spec.media.port"},
		{"an advertise address that is not an IP is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Media.AdvertiseAddresses = []string{"meet.example.eu"}
		}, "spec.media.advertiseAddresses[0]"},
		{"an unknown jurisdiction is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Placement.Jurisdiction = "US" }, "spec.placement.jurisdiction"},
		{"a region that is not a label value is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Placement.AllowedRegions = []string{"eu west"}
		}, "spec.placement.allowedRegions"},
		{"a listed region the catalog places outside the jurisdiction is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Placement.AllowedRegions = []string{"eu-central-1", "us-east-1"}
		}, "spec.placement.allowedRegions[1]"},
		{"JWT without its settings is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Access.JWT = nil }, "spec.access.jwt"},
		{"an app ID with a quote is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Access.JWT.AppID = `meet"` }, "spec.access.jwt.appID"},
		{"JWT settings with LDAP authentication are refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Access.Authentication = v1alpha1.AuthenticationLDAP
			mp.Spec.Access.LDAP = &v1alpha1.LDAPSpec{URL: "ldaps://l.example.eu", BaseDN: "dc=eu", BindSecretRef: v1alpha1.LocalObjectReference{Name: "b"}}
		}, "spec.access.jwt"},
		{"a plain ldap:// URL is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationLDAP, LDAP: &v1alpha1.LDAPSpec{URL: "ldap://l.example.eu", BaseDN: "dc=eu", BindSecretRef: v1alpha1.LocalObjectReference{Name: "b"}}}
		}, "spec.access.ldap.url"},
		{"an LDAP URL with a second, plaintext server is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationLDAP, LDAP: &v1alpha1.LDAPSpec{URL: "ldaps://l.example.eu/ ldap://evil.example:636", BaseDN: "dc=eu", BindSecretRef: v1alpha1.LocalObjectReference{Name: "b"}}}
		}, "spec.access.ldap.url"},
		{"a privacy URL with a quote is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.PrivacyPolicyURL = `https://example.eu/p"x` }, "spec.privacyPolicyURL"},
		{"an LDAP filter with a newline is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationLDAP, LDAP: &v1alpha1.LDAPSpec{URL: "ldaps://l.example.eu", BaseDN: "dc=eu", Filter: "(uid=%u)\nldap_servers: ldap://evil", BindSecretRef: v1alpha1.LocalObjectReference{Name: "b"}}}
		}, "spec.access.ldap.filter"},
		{"a STUN server without scheme is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.STUN.Servers = []string{"stun.example.eu"} }, "spec.stun.servers[0]"},
		{"a STUN host with a quote is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.STUN.Servers = []string{`stun:a"b`} }, "spec.stun.servers[0]"},
		{"more than 20 web replicas are refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Components.Web.Replicas = 21 }, "spec.components.web.replicas"},
		{"eleven videobridges are refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Components.JVB.Replicas = 11 }, "spec.components.jvb.replicas"},
		{"bridges whose ports leave the NodePort range are refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Media.Port, mp.Spec.Components.JVB.Replicas = 32766, 3
		}, "spec.components.jvb.replicas"},
		{"a videobridge memory limit too small for its heap is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Components.JVB.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("200Mi")}}
		}, "spec.components.jvb.resources.limits.memory"},
		{"a jicofo memory limit too small for its heap is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Components.Jicofo.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}}
		}, "spec.components.jicofo.resources.limits.memory"},
		{"an unknown pull policy is refused", func(mp *v1alpha1.MeetingPlatform) { mp.Spec.Image.PullPolicy = "Sometimes" }, "spec.image.pullPolicy"},
		{"an ephemeral-storage limit below prosody's emptyDirs is refused", func(mp *v1alpha1.MeetingPlatform) {
			mp.Spec.Components.Prosody.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceEphemeralStorage: resource.MustParse("300Mi")}}
		}, "spec.components.prosody.resources.limits.ephemeral-storage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := minimal()
			tt.change(mp)
			objs, err := Objects(settings.Defaulted(mp))
			if err == nil || objs != nil {
				t.Fatalf("accepted: %d objects", len(objs))
			}
			if !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("error %q does not name %s", err, tt.field)
			}
		})
	}
	t.Run("every sample spec is valid", func(t *testing.T) {
		for name, mp := range sampleSpecs() {
			if err := Validate(settings.Defaulted(mp)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func TestTheConfigHashCoversWhatTheComponentsRead(t *testing.T) {
	base := map[string]string{
		"custom-jvb.conf":  "# Written by meetwarden.\n# EU-3: why\nvideobridge.ice.advertise-private-candidates = false\n",
		"custom-config.js": "// Written by meetwarden.\nconfig.doNotStoreRoom = true;\n",
		"welcome.html":     "<!-- Written by meetwarden. -->\n<p><a href=\"https://example.eu/privacy\">Privacy notice</a></p>\n",
	}
	reworded := map[string]string{
		"custom-jvb.conf":  "# Written by meetwarden, reworded.\n\n# EU-3: another why\nvideobridge.ice.advertise-private-candidates = false\n",
		"custom-config.js": "// Another comment.\nconfig.doNotStoreRoom = true;\n",
		"welcome.html":     "<!-- Reworded. -->\n<p><a href=\"https://example.eu/privacy\">Privacy notice</a></p>\n",
	}
	if dataHash(base) != dataHash(reworded) {
		t.Error("rewording a comment changes the hash: every pod would restart for nothing")
	}
	for key, value := range map[string]string{
		"custom-jvb.conf":  "videobridge.ice.advertise-private-candidates = true\n",
		"custom-config.js": "config.doNotStoreRoom = false;\n",
		"welcome.html":     "<p><a href=\"https://example.org/privacy\">Privacy notice</a></p>\n",
	} {
		changed := maps.Clone(base)
		changed[key] = value
		if dataHash(changed) == dataHash(base) {
			t.Errorf("a changed setting in %s leaves the hash alone: the pods would keep the old configuration", key)
		}
	}
}

func TestBridges(t *testing.T) {
	t.Run("each of three bridges has its own selector, port and relay id, and one policy admits all ports", func(t *testing.T) {
		mp := settings.Defaulted(minimal())
		mp.Spec.Components.JVB.Replicas = 3
		objs := mustRender(t, mp)
		for i, name := range []string{"meet-jvb", "meet-jvb-1", "meet-jvb-2"} {
			port := mp.Spec.Media.Port + int32(i)
			dep := find[*appsv1.Deployment](t, objs, name)
			svc := find[*corev1.Service](t, objs, name)
			if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) {
				t.Errorf("Service %s does not select its bridge's pods", name)
			}
			for _, other := range objs {
				if d, ok := other.(*appsv1.Deployment); ok && d.Name != name && labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
					t.Errorf("Service %s also selects the pods of %s", name, d.Name)
				}
			}
			c := dep.Spec.Template.Spec.Containers[0]
			if c.Ports[0].ContainerPort != port || svc.Spec.Ports[0].NodePort != port {
				t.Errorf("%s: container port %d, node port %d, want %d", name, c.Ports[0].ContainerPort, svc.Spec.Ports[0].NodePort, port)
			}
			env := map[string]string{}
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
			if env["JVB_PORT"] != fmt.Sprint(port) || env[settings.OctoRelayIDVariable] != name || env[settings.OctoVariable] != settings.True {
				t.Errorf("%s: JVB_PORT=%s relay id %q octo %q", name, env["JVB_PORT"], env[settings.OctoRelayIDVariable], env[settings.OctoVariable])
			}
		}
		pol := find[*networkingv1.NetworkPolicy](t, objs, "meet-jvb")
		if n := len(pol.Spec.Ingress[0].Ports); n != 3 {
			t.Errorf("the bridges' policy admits %d media ports, want 3", n)
		}
		if envOf(t, objs, mp, settings.Jicofo)[settings.BridgeStrategyVariable] != settings.BridgeStrategy {
			t.Error("jicofo does not spread conferences over the bridges")
		}
	})
	t.Run("a discovered address reaches only its bridge, and the spec's addresses win", func(t *testing.T) {
		mp := settings.Defaulted(minimal())
		mp.Spec.Components.JVB.Replicas = 2
		mp.Spec.Media = v1alpha1.MediaSpec{Type: v1alpha1.MediaServiceLoadBalancer, Port: 10000}
		media := settings.MediaInputs{LoadBalancerIPs: map[string][]string{"meet-jvb-1": {"198.51.100.9"}}}
		objs, err := Objects(mp, WithMedia(media))
		if err != nil {
			t.Fatal(err)
		}
		advertised := func(objs []client.Object, name string) string {
			for _, e := range find[*appsv1.Deployment](t, objs, name).Spec.Template.Spec.Containers[0].Env {
				if e.Name == settings.AdvertiseVariable {
					return e.Value
				}
			}
			return ""
		}
		if got := advertised(objs, "meet-jvb-1"); got != "198.51.100.9" {
			t.Errorf("meet-jvb-1 advertises %q, want its load balancer's IP", got)
		}
		if got := advertised(objs, "meet-jvb"); got != "" {
			t.Errorf("meet-jvb advertises %q although its load balancer has no address", got)
		}
		mp.Spec.Media.AdvertiseAddresses = []string{"203.0.113.5"}
		objs, err = Objects(mp, WithMedia(media))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"meet-jvb", "meet-jvb-1"} {
			if got := advertised(objs, name); got != "203.0.113.5" {
				t.Errorf("%s advertises %q, want the spec's address", name, got)
			}
		}
	})
}
