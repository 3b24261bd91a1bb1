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

// The tests in this file run the generated CRD in a real kube-apiserver (envtest): the
// validation and defaulting users meet is the API server's, so that is what is tested.

package v1alpha1_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/test/utils"
)

// testNamespace holds every object the tests create.
const testNamespace = "api-validation"

// The API server is started once for the whole test binary, by the first test that needs it,
// and stopped by TestMain. Pure unit tests of this package therefore run without it.
var (
	env = &utils.LazyAPIServer{
		Package: "api",
		Environment: envtest.Environment{
			CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
			ErrorIfCRDPathMissing: true,
		},
		Setup: setupClients,
	}
	restCfg   *rest.Config
	k8sClient client.Client
	crdClient apiextensionsclient.Interface
)

func TestMain(m *testing.M) {
	os.Exit(env.Stop(m.Run()))
}

// apiServer returns a client of the envtest API server with the CRD installed, starting it on
// first use.
func apiServer(t *testing.T) client.Client {
	t.Helper()
	env.Config(t)
	return k8sClient
}

// setupClients builds the clients of the started API server and the test namespace.
func setupClients(cfg *rest.Config) (err error) {
	restCfg = cfg
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, v1alpha1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return err
		}
	}
	if k8sClient, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return err
	}
	if crdClient, err = apiextensionsclient.NewForConfig(cfg); err != nil {
		return err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testNamespace}}
	if err := k8sClient.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// decode turns a manifest, written as a user would apply it, into an object in testNamespace.
// Strict decoding catches mistakes in the test manifests themselves (duplicate keys).
func decode(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	j, err := yaml.YAMLToJSONStrict([]byte(manifest))
	if err != nil {
		t.Fatalf("test manifest is not valid YAML: %v\n%s", err, manifest)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatalf("test manifest is not a Kubernetes object: %v\n%s", err, manifest)
	}
	u.SetNamespace(testNamespace)
	return u
}

// A 254-character domain whose labels are each valid: only the length is wrong.
var tooLongDomain = strings.Repeat(strings.Repeat("a", 63)+".", 3) + strings.Repeat("b", 59) + ".eu"

// A 253-character domain: the longest DNS name, accepted.
var longestDomain = strings.Repeat(strings.Repeat("a", 63)+".", 3) + strings.Repeat("b", 58) + ".eu"

// fullManifest sets every field a JWT platform can have; TestValidManifestsAreAcceptedAndDefaulted
// reads it back and TestNoStringFieldAcceptsControlCharacters spoils each of its strings.
const fullManifest = `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: full
spec:
  domain: video.meet-01.example.eu
  privacyPolicyURL: https://www.example.eu/en/privacy?section=meetings#video
  compliance:
    mode: Enforce
  tls:
    secretName: video.example.eu-tls
  ingress:
    className: nginx-public
    controllerNamespace: ingress-system
    controllerPodSelector: app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller
  network:
    dnsNamespaces:
    - kube-system
    - node-dns-cache
  media:
    type: NodePort
    port: 32767
    advertiseAddresses:
    - 203.0.113.10
    - "2001:db8::10"
  placement:
    jurisdiction: EU
    allowedRegions:
    - fsn1
    - nbg1
    - DE_Frankfurt.1
    regionLabel: example.eu/region
    sovereignProviders: true
  access:
    authentication: JWT
    jwt:
      appID: meet.example_app-1
      secretRef:
        name: jwt
        key: signing.key
    guests: true
  stun:
    servers:
    - stun:stun.example.eu:3478
    - stuns:stun.example.eu
  components:
    web:
      replicas: 20
      resources:
        requests:
          cpu: 100m
          memory: 128Mi
        limits:
          memory: 256Mi
    prosody:
      resources:
        requests:
          cpu: 50m
    jicofo:
      resources:
        limits:
          memory: 512Mi
    jvb:
      resources:
        requests:
          cpu: "2"
          memory: 2Gi
      drainSeconds: 7200
  disruption:
    meetings: Block
  image:
    registry: registry.example.eu:5000/mirror/jitsi
    tag: stable-10314
    pullPolicy: Always
`

// gatewayManifest sets every field of a platform attached to a Gateway; the valid-manifest
// test reads it back and the control-character test spoils each of its strings.
const gatewayManifest = `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: on-gateway
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  gateway:
    parentRefs:
    - name: public
      namespace: gateway-system
      sectionName: https
      redirectSectionName: http
    proxyNamespace: envoy-gateway-system
    proxyPodSelector: gateway.envoyproxy.io/owning-gateway-name=public
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`

func TestInvalidManifestsAreRefused(t *testing.T) {
	c := apiServer(t)

	tests := []struct {
		name     string
		manifest string
		// wantField is the field path the API server's error must name.
		wantField string
		// wantMsg is a part of the message that shows the intended rule refused the object.
		wantMsg string
	}{
		{
			name: "a platform without spec is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
`,
			wantField: "spec", wantMsg: "Required value",
		},
		{
			name: "a platform without domain is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.domain", wantMsg: "Required value",
		},
		{
			name: "an upper-case domain is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: Meet.Example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.domain", wantMsg: "must be a lower-case DNS name",
		},
		{
			name: "a domain without a dot is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.domain", wantMsg: "must be a lower-case DNS name",
		},
		{
			name: "a domain with an underscore is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: video_conf.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.domain", wantMsg: "must be a lower-case DNS name",
		},
		{
			name: "a domain with a trailing dot is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu.
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.domain", wantMsg: "must be a lower-case DNS name",
		},
		{
			name: "an IP address instead of a domain is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: 192.0.2.10
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.domain", wantMsg: "must be a lower-case DNS name",
		},
		{
			name: "a domain longer than 253 characters is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: ` + tooLongDomain + `
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.domain", wantMsg: "Too long",
		},
		{
			name: "a platform without privacyPolicyURL is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.privacyPolicyURL", wantMsg: "Required value",
		},
		{
			name: "an http:// privacy policy URL is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: http://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.privacyPolicyURL", wantMsg: "must be an absolute https:// URL",
		},
		{
			name: "a privacy policy that is not a URL is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: see our website
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.privacyPolicyURL", wantMsg: "must be an absolute https:// URL",
		},
		{
			name: "a privacy policy URL without a host is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https:///privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.privacyPolicyURL", wantMsg: "must be an absolute https:// URL",
		},
		{
			name: "a compliance mode other than Enforce or Audit is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  compliance:
    mode: Off
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.compliance.mode", wantMsg: "Unsupported value",
		},
		{
			name: "a platform without tls is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.tls", wantMsg: "spec.tls is required when the platform is exposed through an Ingress",
		},
		{
			name: "tls with both secretName and issuerRef is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
    issuerRef:
      name: letsencrypt
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.tls", wantMsg: "exactly one of tls.secretName or tls.issuerRef must be set",
		},
		{
			name: "tls with neither secretName nor issuerRef is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls: {}
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.tls", wantMsg: "exactly one of tls.secretName or tls.issuerRef must be set",
		},
		{
			name: "a tls secretName that is not a Secret name is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: Meet_TLS
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.tls.secretName", wantMsg: "should match",
		},
		{
			name: "an issuerRef of a kind other than Issuer or ClusterIssuer is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    issuerRef:
      name: letsencrypt
      kind: Certificate
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.tls.issuerRef.kind", wantMsg: "Unsupported value",
		},
		{
			name: "an issuerRef without name is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    issuerRef:
      kind: ClusterIssuer
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.tls.issuerRef.name", wantMsg: "Required value",
		},
		{
			name: "JWT authentication without access.jwt is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: JWT
`,
			wantField: "spec.access.jwt", wantMsg: "access.jwt is required when access.authentication is JWT",
		},
		{
			name: "a platform without access section is refused because JWT is the default and needs access.jwt",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
`,
			wantField: "spec.access.jwt", wantMsg: "access.jwt is required when access.authentication is JWT",
		},
		{
			name: "access.jwt with Internal authentication is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: Internal
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.access.jwt", wantMsg: "access.jwt may only be set when access.authentication is JWT",
		},
		{
			name: "OIDC authentication without access.oidc is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: OIDC
`,
			wantField: "spec.access.oidc", wantMsg: "access.oidc is required when access.authentication is OIDC",
		},
		{
			name: "an http:// issuer is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: OIDC
    oidc:
      issuerURL: http://id.example.eu/realms/staff
      clientID: meet
`,
			wantField: "spec.access.oidc.issuerURL", wantMsg: "must be an absolute https:// URL",
		},
		{
			name: "an issuer with a query is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: OIDC
    oidc:
      issuerURL: https://id.example.eu/realms/staff?x=1
      clientID: meet
`,
			wantField: "spec.access.oidc.issuerURL", wantMsg: "must not contain",
		},
		{
			name: "an OIDC platform without a client is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: OIDC
    oidc:
      issuerURL: https://id.example.eu/realms/staff
`,
			wantField: "spec.access.oidc.clientID", wantMsg: "Required value",
		},
		{
			name: "a token lifetime over 1h is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: OIDC
    oidc:
      issuerURL: https://id.example.eu/realms/staff
      clientID: meet
      tokenLifetime: 61m
`,
			wantField: "spec.access.oidc.tokenLifetime", wantMsg: "must be positive and at most 1h",
		},
		{
			name: "a token lifetime that is no duration is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: OIDC
    oidc:
      issuerURL: https://id.example.eu/realms/staff
      clientID: meet
      tokenLifetime: 5 minutes
`,
			wantField: "spec.access.oidc.tokenLifetime", wantMsg: "should match",
		},
		{
			name: "moderator groups without a groups claim are refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: OIDC
    oidc:
      issuerURL: https://id.example.eu/realms/staff
      clientID: meet
      moderatorGroups: [meet-moderators]
`,
			wantField: "spec.access.oidc.groupsClaim", wantMsg: "access.oidc.groupsClaim is required",
		},
		{
			name: "access.oidc with JWT authentication is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: JWT
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
    oidc:
      issuerURL: https://id.example.eu/realms/staff
      clientID: meet
`,
			wantField: "spec.access.oidc", wantMsg: "access.oidc may only be set when access.authentication is OIDC",
		},
		{
			name: "LDAP authentication without access.ldap is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: LDAP
`,
			wantField: "spec.access.ldap", wantMsg: "access.ldap is required when access.authentication is LDAP",
		},
		{
			name: "access.internal with JWT authentication is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
    internal:
      accountsClaimName: prosody-accounts
`,
			wantField: "spec.access.internal", wantMsg: "access.internal may only be set when access.authentication is Internal",
		},
		{
			name: "an accounts claim name that is not a DNS name is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: Internal
    internal:
      accountsClaimName: Prosody_Accounts
`,
			wantField: "spec.access.internal.accountsClaimName", wantMsg: "should match",
		},
		{
			name: "access.ldap with JWT authentication is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
    ldap:
      url: ldaps://ldap.example.eu
      baseDN: ou=people,dc=example,dc=eu
      bindSecretRef:
        name: ldap-bind
`,
			wantField: "spec.access.ldap", wantMsg: "access.ldap may only be set when access.authentication is LDAP",
		},
		{
			name: "an ldap:// directory URL is refused because passwords would cross the network in clear text",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: LDAP
    ldap:
      url: ldap://ldap.example.eu
      baseDN: ou=people,dc=example,dc=eu
      bindSecretRef:
        name: ldap-bind
`,
			wantField: "spec.access.ldap.url", wantMsg: "must be exactly one ldaps:// server",
		},
		{
			name: "an ldaps:// directory URL without a host is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: LDAP
    ldap:
      url: ldaps://
      baseDN: ou=people,dc=example,dc=eu
      bindSecretRef:
        name: ldap-bind
`,
			wantField: "spec.access.ldap.url", wantMsg: "must be exactly one ldaps:// server",
		},
		{
			name: "an ldap section without baseDN is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: LDAP
    ldap:
      url: ldaps://ldap.example.eu
      bindSecretRef:
        name: ldap-bind
`,
			wantField: "spec.access.ldap.baseDN", wantMsg: "Required value",
		},
		{
			name: "a jwt secretRef without name is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        key: signing-key
`,
			wantField: "spec.access.jwt.secretRef.name", wantMsg: "Required value",
		},
		{
			name: "an empty jwt appID is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: ""
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.access.jwt.appID", wantMsg: "at least 1 chars long",
		},
		{
			name: "an unknown authentication such as None is refused: there is no anonymous mode",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: None
`,
			wantField: "spec.access.authentication", wantMsg: "Unsupported value",
		},
		{
			name: "guests that is not a boolean is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
    guests: "yes"
`,
			wantField: "spec.access.guests", wantMsg: "must be of type boolean",
		},
		{
			name: "a media Service type other than NodePort or LoadBalancer is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    type: ClusterIP
`,
			wantField: "spec.media.type", wantMsg: "Unsupported value",
		},
		{
			name: "a NodePort media port outside 30000-32767 is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    type: NodePort
    port: 8080
`,
			wantField: "spec.media.port", wantMsg: "within the NodePort range 30000-32767",
		},
		{
			name: "three NodePort bridges from 32766 are refused: the third port would be 32768",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    type: NodePort
    port: 32766
  components:
    jvb:
      replicas: 3
`,
			wantField: "spec.components.jvb.replicas", wantMsg: "must end at 32767 for NodePort",
		},
		{
			name: "ten LoadBalancer bridges from 65530 are refused: the ports would pass 65535",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    type: LoadBalancer
    port: 65530
  components:
    jvb:
      replicas: 10
`,
			wantField: "spec.components.jvb.replicas", wantMsg: "65535 for LoadBalancer",
		},
		{
			name: "eleven bridges are refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  components:
    jvb:
      replicas: 11
`,
			wantField: "spec.components.jvb.replicas", wantMsg: "less than or equal to 10",
		},
		{
			name: "zero bridges are refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  components:
    jvb:
      replicas: 0
`,
			wantField: "spec.components.jvb.replicas", wantMsg: "greater than or equal to 1",
		},
		{
			name: "media port 70000 is refused: it is not a port number",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    type: LoadBalancer
    port: 70000
`,
			wantField: "spec.media.port", wantMsg: "less than or equal to 65535",
		},
		{
			name: "media port 0 is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    type: LoadBalancer
    port: 0
`,
			wantField: "spec.media.port", wantMsg: "greater than or equal to 1",
		},
		{
			name: "a media port written as text is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    port: abc
`,
			wantField: "spec.media.port", wantMsg: "must be of type integer",
		},
		{
			name: "an advertise address that is a host name instead of an IP is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    advertiseAddresses:
    - jvb.example.eu
`,
			wantField: "spec.media.advertiseAddresses[0]", wantMsg: "must be an IPv4 or IPv6 address",
		},
		{
			name: "the same advertise address twice is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    advertiseAddresses:
    - 203.0.113.10
    - 203.0.113.10
`,
			wantField: "spec.media.advertiseAddresses[1]", wantMsg: "Duplicate value",
		},
		{
			name: "an empty allowedRegions list is refused: it would allow no node at all",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  placement:
    allowedRegions: []
`,
			wantField: "spec.placement.allowedRegions", wantMsg: "at least 1 items",
		},
		{
			name: "an allowed region with a space is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  placement:
    allowedRegions:
    - eu central 1
`,
			wantField: "spec.placement.allowedRegions[0]", wantMsg: "should match",
		},
		{
			name: "the same allowed region twice is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  placement:
    allowedRegions:
    - fsn1
    - fsn1
`,
			wantField: "spec.placement.allowedRegions[1]", wantMsg: "Duplicate value",
		},
		{
			name: "the jurisdiction US is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  placement:
    jurisdiction: US
`,
			wantField: "spec.placement.jurisdiction", wantMsg: "Unsupported value",
		},
		{
			name: "a regionLabel that is not a label key is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  placement:
    regionLabel: "Example.EU/region name"
`,
			wantField: "spec.placement.regionLabel", wantMsg: "should match",
		},
		{
			name: "an http:// STUN server is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  stun:
    servers:
    - http://stun.example.eu:3478
`,
			wantField: "spec.stun.servers[0]", wantMsg: "should match",
		},
		{
			name: "a STUN server with upper-case letters is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  stun:
    servers:
    - stun:STUN.example.eu:3478
`,
			wantField: "spec.stun.servers[0]", wantMsg: "should match",
		},
		{
			name: "the same STUN server twice is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  stun:
    servers:
    - stun:stun.example.eu:3478
    - stun:stun.example.eu:3478
`,
			wantField: "spec.stun.servers[1]", wantMsg: "Duplicate value",
		},
		{
			name: "zero web replicas are refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  components:
    web:
      replicas: 0
`,
			wantField: "spec.components.web.replicas", wantMsg: "greater than or equal to 1",
		},
		{
			name: "100 web replicas are refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  components:
    web:
      replicas: 100
`,
			wantField: "spec.components.web.replicas", wantMsg: "less than or equal to 20",
		},
		{
			name:      "a negative drain is refused",
			manifest:  manifestWith(map[string]string{"components": "{jvb: {drainSeconds: -1}}"}),
			wantField: "spec.components.jvb.drainSeconds", wantMsg: "greater than or equal to 0",
		},
		{
			name:      "a drain longer than the bridge's graceful-shutdown maximum is refused",
			manifest:  manifestWith(map[string]string{"components": "{jvb: {drainSeconds: 86401}}"}),
			wantField: "spec.components.jvb.drainSeconds", wantMsg: "less than or equal to 86400",
		},
		{
			name:      "a disruption policy other than Allow or Block is refused",
			manifest:  manifestWith(map[string]string{"disruption": "{meetings: Sometimes}"}),
			wantField: "spec.disruption.meetings", wantMsg: "Unsupported value",
		},
		{
			name: "a resource request that is not a quantity is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  components:
    jvb:
      resources:
        requests:
          cpu: lots
`,
			wantField: "spec.components.jvb.resources.requests.cpu", wantMsg: "should match",
		},
		{
			name: "the floating image tag latest is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  image:
    tag: latest
`,
			wantField: "spec.image.tag", wantMsg: "must be a pinned version tag",
		},
		{
			name: "the floating image tag stable is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  image:
    tag: stable
`,
			wantField: "spec.image.tag", wantMsg: "must be a pinned version tag",
		},
		{
			name: "an image registry with upper-case letters is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  image:
    registry: Registry.Example.eu/jitsi
`,
			wantField: "spec.image.registry", wantMsg: "should match",
		},
		{
			name: "an image registry written as a URL is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  image:
    registry: https://registry.example.eu/jitsi
`,
			wantField: "spec.image.registry", wantMsg: "should match",
		},
		{
			name: "an unknown image pull policy is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  image:
    pullPolicy: Sometimes
`,
			wantField: "spec.image.pullPolicy", wantMsg: "Unsupported value",
		},
		{
			name: "an ingress controller namespace that is not a namespace name is refused",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  ingress:
    controllerNamespace: Ingress_NGINX
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			wantField: "spec.ingress.controllerNamespace", wantMsg: "should match",
		},
		// Strict inputs: every string the operator writes into a configuration file, a link or
		// the Markdown record is refused here when it could break out of its place.
		{
			name:      "an LDAP base DN with a newline is refused: it would add a line to saslauthd.conf",
			manifest:  manifestWith(map[string]string{"access": ldapAccess(okLDAPURL, `dc=eu\nldap_servers: ldap://evil.example`, okFilter)}),
			wantField: "spec.access.ldap.baseDN", wantMsg: "must not contain control characters",
		},
		{
			name:      "an LDAP filter with a newline is refused",
			manifest:  manifestWith(map[string]string{"access": ldapAccess(okLDAPURL, okBaseDN, `(uid=%u)\nldap_auth_method: fastbind`)}),
			wantField: "spec.access.ldap.filter", wantMsg: "must not contain control characters",
		},
		{
			name:      "an LDAP filter with a C1 control character is refused",
			manifest:  manifestWith(map[string]string{"access": ldapAccess(okLDAPURL, okBaseDN, `(uid=%u)\u0085`)}),
			wantField: "spec.access.ldap.filter", wantMsg: "must not contain control characters",
		},
		{
			name:      "an issuerRef name that is not an object name is refused",
			manifest:  manifestWith(map[string]string{"tls": `{issuerRef: {name: "Lets Encrypt"}}`}),
			wantField: "spec.tls.issuerRef.name", wantMsg: "should match",
		},
		{
			name: "an Ingress and a Gateway together are refused",
			manifest: manifestWith(map[string]string{"tls": "null", "ingress": "{className: nginx}",
				"gateway": "{parentRefs: [{name: public}]}"}),
			wantField: "spec.gateway", wantMsg: "set exactly one of spec.ingress or spec.gateway",
		},
		{
			name:      "spec.tls with a Gateway is refused: the listener holds the certificate",
			manifest:  manifestWith(map[string]string{"gateway": "{parentRefs: [{name: public}]}"}),
			wantField: "spec.tls", wantMsg: "spec.tls must not be set with spec.gateway",
		},
		{
			name:      "a Gateway without parentRefs is refused",
			manifest:  manifestWith(map[string]string{"tls": "null", "gateway": "{parentRefs: []}"}),
			wantField: "spec.gateway.parentRefs", wantMsg: "should have at least 1 items",
		},
		{
			name:      "a Gateway listener name with an upper-case letter is refused",
			manifest:  manifestWith(map[string]string{"tls": "null", "gateway": "{parentRefs: [{name: public, sectionName: HTTPS}]}"}),
			wantField: "spec.gateway.parentRefs[0].sectionName", wantMsg: "should match",
		},
		{
			name:      "a controller pod selector that is no list of key=value pairs is refused",
			manifest:  manifestWith(map[string]string{"ingress": `{controllerPodSelector: "app in (nginx)"}`}),
			wantField: "spec.ingress.controllerPodSelector", wantMsg: "should match",
		},
		{
			name:      "an empty list of DNS namespaces is refused: the pods could resolve no name",
			manifest:  manifestWith(map[string]string{"network": "{dnsNamespaces: []}"}),
			wantField: "spec.network.dnsNamespaces", wantMsg: "should have at least 1 items",
		},
		{
			name:      "an issuerRef group that is not an API group is refused",
			manifest:  manifestWith(map[string]string{"tls": `{issuerRef: {name: letsencrypt, group: "cert-manager.io\n"}}`}),
			wantField: "spec.tls.issuerRef.group", wantMsg: "should match",
		},
	}
	// One row per refused LDAP URL and privacy policy URL: the rows differ only in the value.
	refusedLDAPURLs := map[string]string{
		"a second, plaintext server after a space": "ldaps://ldap.example.eu/ ldap://evil.example:636",
		"two servers separated by a comma":         "ldaps://a.example.eu,ldap://b.example.eu",
		"a path":                                   "ldaps://ldap.example.eu/dc=example,dc=eu",
		"a user":                                   "ldaps://admin@ldap.example.eu",
		"a port above 65535":                       "ldaps://ldap.example.eu:70000",
		"a trailing newline":                       `ldaps://ldap.example.eu\n`,
	}
	for _, what := range slices.Sorted(maps.Keys(refusedLDAPURLs)) {
		tests = append(tests, struct{ name, manifest, wantField, wantMsg string }{
			"an LDAP URL with " + what + " is refused",
			manifestWith(map[string]string{"access": ldapAccess(refusedLDAPURLs[what], okBaseDN, okFilter)}),
			"spec.access.ldap.url", "must be exactly one ldaps:// server",
		})
	}
	// The URL is written into JavaScript, an HTML link and Markdown: no character may end its
	// string or start markup there. Values are YAML scalars as written.
	refusedPrivacyURLs := map[string]string{
		"a space":          `"https://example.eu/privacy notice"`,
		"a double quote":   `'https://example.eu/privacy"onmouseover="x'`,
		"a single quote":   `"https://example.eu/privacy'+alert(1)+'"`,
		"an angle bracket": `"https://example.eu/<script>"`,
		"a backtick":       "\"https://example.eu/`x`\"",
		"a no-break space": `"https://example.eu/privacy\u00a0notice"`,
	}
	for _, what := range slices.Sorted(maps.Keys(refusedPrivacyURLs)) {
		tests = append(tests, struct{ name, manifest, wantField, wantMsg string }{
			"a privacy policy URL with " + what + " is refused",
			manifestWith(map[string]string{"privacyPolicyURL": refusedPrivacyURLs[what]}),
			"spec.privacyPolicyURL", "must not contain whitespace, quotes",
		})
	}

	turnCases := []struct{ name, manifest, wantField, wantMsg string }{
		{"turn with both own and external is refused",
			manifestWith(map[string]string{"turn": "{own: {}, external: {host: turn.example.eu, jurisdiction: EU, secretRef: {name: turn}}}"}),
			"spec.turn", "set exactly one of turn.own or turn.external"},
		{"turn without own or external is refused", manifestWith(map[string]string{"turn": "{}"}),
			"spec.turn", "set exactly one of turn.own or turn.external"},
		{"a declared TURN server without jurisdiction is refused",
			manifestWith(map[string]string{"turn": "{external: {host: turn.example.eu, secretRef: {name: turn}}}"}),
			"spec.turn.external.jurisdiction", "Required value"},
		{"a declared TURN server outside the EU or EEA is refused",
			manifestWith(map[string]string{"turn": "{external: {host: turn.example.eu, jurisdiction: US, secretRef: {name: turn}}}"}),
			"spec.turn.external.jurisdiction", "Unsupported value"},
		{"an own TURN host without a certificate is refused", manifestWith(map[string]string{"turn": "{own: {host: turn.example.eu}}"}),
			"spec.turn.own.tlsSecretName", "TURNS needs a certificate for the TURN host"},
		{"own TURN on NodePort outside the node port range is refused", manifestWith(map[string]string{"turn": "{own: {type: NodePort}}"}),
			"spec.turn.own.type", "within the NodePort range"},
		{"own TURN with the same UDP and TLS port is refused", manifestWith(map[string]string{"turn": "{own: {port: 443}}"}),
			"spec.turn.own.tlsPort", "must differ"},
	}
	tests = append(tests, turnCases...)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := decode(t, tt.manifest)
			err := c.Create(t.Context(), obj)
			if err == nil {
				_ = c.Delete(context.Background(), obj)
				t.Fatalf("the API server accepted the manifest; want an Invalid error on %s", tt.wantField)
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid (422) error on %s, got %v (reason %s)", tt.wantField, err, apierrors.ReasonForError(err))
			}
			if !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("the error does not name the field %s:\n%v", tt.wantField, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("the error does not say %q:\n%v", tt.wantMsg, err)
			}
			// Every manifest has exactly one mistake; every cause must be about that field,
			// so the test cannot pass because some other rule refused the object.
			var status apierrors.APIStatus
			if errors.As(err, &status) && status.Status().Details != nil {
				for _, cause := range status.Status().Details.Causes {
					// The API server adds this cause without a field ("<nil>") when schema
					// errors made it skip the CEL rules.
					if strings.Contains(cause.Message, "some validation rules were not checked") {
						continue
					}
					if !strings.HasPrefix(cause.Field, tt.wantField) {
						t.Errorf("unexpected cause on another field: %s: %s", cause.Field, cause.Message)
					}
				}
			}
		})
	}
}

// manifestWith is the minimal valid manifest with some top-level spec fields replaced, each
// given as a YAML value ("{secretName: x}", a quoted string): the rows of the strict-input
// rules differ from a valid platform in one value, and say only that.
func manifestWith(fields map[string]string) string {
	spec := map[string]string{
		"domain": "meet.example.eu", "privacyPolicyURL": "https://example.eu/privacy",
		"tls": "{secretName: meet-tls}", "access": "{jwt: {appID: meetwarden, secretRef: {name: jwt-secret}}}",
	}
	maps.Copy(spec, fields)
	var b strings.Builder
	b.WriteString("apiVersion: meetwarden.io/v1alpha1\nkind: MeetingPlatform\nmetadata:\n  name: meet\nspec:\n")
	for _, k := range slices.Sorted(maps.Keys(spec)) {
		fmt.Fprintf(&b, "  %s: %s\n", k, spec[k])
	}
	return b.String()
}

// Valid LDAP settings, for rows that spoil one of the others.
const (
	okLDAPURL = "ldaps://ldap.example.eu:636"
	okBaseDN  = "ou=people,dc=example,dc=eu"
	okFilter  = "(uid=%u)"
)

// ldapAccess is an access section with LDAP authentication. The values are YAML double-quoted
// strings as written, so a row can spell a newline as \n.
func ldapAccess(url, baseDN, filter string) string {
	return fmt.Sprintf(`{authentication: LDAP, ldap: {url: "%s", baseDN: "%s", filter: "%s", bindSecretRef: {name: ldap-bind}}}`, url, baseDN, filter)
}

// minimalSpec is the spec of the minimal valid manifest after the API server applied every
// default. Literal values on purpose: a changed default must fail this test.
func minimalSpec() v1alpha1.MeetingPlatformSpec {
	return v1alpha1.MeetingPlatformSpec{
		Domain:           "meet.example.eu",
		PrivacyPolicyURL: "https://example.eu/privacy",
		Compliance:       v1alpha1.ComplianceSpec{Mode: "Enforce"},
		TLS:              v1alpha1.TLSSpec{SecretName: "meet-tls"},
		// No spec.ingress: the Ingress is the exposure without one, with the defaults of
		// settings.Defaulted (an API-server default would clash with spec.gateway).
		Network: v1alpha1.NetworkSpec{DNSNamespaces: []string{"kube-system"}},
		Media:   v1alpha1.MediaSpec{Type: "NodePort", Port: 30000},
		Placement: v1alpha1.PlacementSpec{
			Jurisdiction:       "EEA",
			RegionLabel:        "topology.kubernetes.io/region",
			SovereignProviders: false,
		},
		Access: v1alpha1.AccessSpec{
			Authentication: "JWT",
			JWT: &v1alpha1.JWTSpec{
				AppID:     "meetwarden",
				SecretRef: v1alpha1.SecretKeyReference{Name: "jwt-secret", Key: "secret"},
			},
			Guests: false,
		},
		Components: v1alpha1.ComponentsSpec{
			Web: v1alpha1.ScalableComponentSpec{Replicas: 1},
			JVB: v1alpha1.VideobridgeSpec{Replicas: 1, DrainSeconds: ptr.To[int32](3600)},
		},
		Disruption: v1alpha1.DisruptionSpec{Meetings: "Allow"},
		// No tag: the schema has no default for it, so that an operator upgrade moves the
		// platform to the release the new operator was verified with (docs/upgrading.md).
		Image: v1alpha1.ImageSpec{
			Registry:   "ghcr.io/jitsi",
			PullPolicy: corev1.PullIfNotPresent,
		},
	}
}

func resources(kv ...string) *corev1.ResourceRequirements {
	r := &corev1.ResourceRequirements{}
	for i := 0; i+2 < len(kv); i += 3 {
		list := &r.Requests
		if kv[i] == "limits" {
			list = &r.Limits
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[corev1.ResourceName(kv[i+1])] = resource.MustParse(kv[i+2])
	}
	return r
}

func TestValidManifestsAreAcceptedAndDefaulted(t *testing.T) {
	c := apiServer(t)

	tests := []struct {
		name     string
		manifest string
		// want changes minimalSpec() into the expected spec as read back from the API server.
		want func(s *v1alpha1.MeetingPlatformSpec)
	}{
		{
			name: "the minimal platform gets every default",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: minimal
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {},
		},
		{
			name: "an OIDC platform gets the display name claim and the short token lifetime",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: oidc
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: OIDC
    oidc:
      issuerURL: https://id.example.eu/realms/staff
      clientID: meet
      clientSecretRef: {name: meet-oidc}
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Access = v1alpha1.AccessSpec{Authentication: v1alpha1.AuthenticationOIDC, OIDC: &v1alpha1.OIDCSpec{
					IssuerURL: "https://id.example.eu/realms/staff", ClientID: "meet",
					ClientSecretRef:  &v1alpha1.SecretKeyReference{Name: "meet-oidc", Key: v1alpha1.DefaultJWTSecretKey},
					DisplayNameClaim: v1alpha1.DefaultOIDCDisplayNameClaim, TokenLifetime: v1alpha1.DefaultOIDCTokenLifetime,
				}}
			},
		},
		{
			name:     "a platform with every field set keeps every value",
			manifest: fullManifest,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				*s = v1alpha1.MeetingPlatformSpec{
					Domain:           "video.meet-01.example.eu",
					PrivacyPolicyURL: "https://www.example.eu/en/privacy?section=meetings#video",
					Compliance:       v1alpha1.ComplianceSpec{Mode: "Enforce"},
					TLS:              v1alpha1.TLSSpec{SecretName: "video.example.eu-tls"},
					Ingress: v1alpha1.IngressSpec{ClassName: "nginx-public", ControllerNamespace: "ingress-system",
						ControllerPodSelector: "app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller"},
					Network: v1alpha1.NetworkSpec{DNSNamespaces: []string{"kube-system", "node-dns-cache"}},
					Media: v1alpha1.MediaSpec{
						Type: "NodePort", Port: 32767,
						AdvertiseAddresses: []string{"203.0.113.10", "2001:db8::10"},
					},
					Placement: v1alpha1.PlacementSpec{
						Jurisdiction:       "EU",
						AllowedRegions:     []string{"fsn1", "nbg1", "DE_Frankfurt.1"},
						RegionLabel:        "example.eu/region",
						SovereignProviders: true,
					},
					Access: v1alpha1.AccessSpec{
						Authentication: "JWT",
						JWT: &v1alpha1.JWTSpec{
							AppID:     "meet.example_app-1",
							SecretRef: v1alpha1.SecretKeyReference{Name: "jwt", Key: "signing.key"},
						},
						Guests: true,
					},
					STUN: v1alpha1.STUNSpec{Servers: []string{"stun:stun.example.eu:3478", "stuns:stun.example.eu"}},
					Components: v1alpha1.ComponentsSpec{
						Web: v1alpha1.ScalableComponentSpec{
							Replicas:  20,
							Resources: resources("requests", "cpu", "100m", "requests", "memory", "128Mi", "limits", "memory", "256Mi"),
						},
						Prosody: v1alpha1.ComponentSpec{Resources: resources("requests", "cpu", "50m")},
						Jicofo:  v1alpha1.ComponentSpec{Resources: resources("limits", "memory", "512Mi")},
						JVB: v1alpha1.VideobridgeSpec{Replicas: 1, Resources: resources("requests", "cpu", "2", "requests", "memory", "2Gi"),
							DrainSeconds: ptr.To[int32](7200)},
					},
					Disruption: v1alpha1.DisruptionSpec{Meetings: "Block"},
					Image: v1alpha1.ImageSpec{
						Registry:   "registry.example.eu:5000/mirror/jitsi",
						Tag:        "stable-10314",
						PullPolicy: corev1.PullAlways,
					},
				}
			},
		},
		{
			name: "Internal authentication needs neither jwt nor ldap",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: internal
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: Internal
    guests: true
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Access = v1alpha1.AccessSpec{Authentication: "Internal", Guests: true}
			},
		},
		{
			name: "Internal authentication may keep its accounts on a claim",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: internal
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: Internal
    internal:
      accountsClaimName: prosody-accounts
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Access = v1alpha1.AccessSpec{Authentication: "Internal",
					Internal: &v1alpha1.InternalAuthSpec{AccountsClaimName: "prosody-accounts"}}
			},
		},
		{
			name:     "an LDAP URL with a trailing slash and without port is accepted",
			manifest: manifestWith(map[string]string{"access": `{authentication: LDAP, ldap: {url: "ldaps://ldap.example.eu/", baseDN: "dc=eu", bindSecretRef: {name: ldap-bind}}}`}),
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Access = v1alpha1.AccessSpec{Authentication: "LDAP", LDAP: &v1alpha1.LDAPSpec{
					URL: "ldaps://ldap.example.eu/", BaseDN: "dc=eu", Filter: "(uid=%u)", BindSecretRef: v1alpha1.LocalObjectReference{Name: "ldap-bind"},
				}}
			},
		},
		{
			name:     "a privacy policy URL with percent-encoded spaces and quotes is accepted",
			manifest: manifestWith(map[string]string{"privacyPolicyURL": "https://example.eu/privacy%20notice?q=%22a%22"}),
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.PrivacyPolicyURL = "https://example.eu/privacy%20notice?q=%22a%22"
			},
		},
		{
			name: "LDAP authentication gets the default filter",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: ldap
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    authentication: LDAP
    ldap:
      url: ldaps://ldap.example.eu:636
      baseDN: ou=people,dc=example,dc=eu
      bindSecretRef:
        name: ldap-bind
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Access = v1alpha1.AccessSpec{
					Authentication: "LDAP",
					LDAP: &v1alpha1.LDAPSpec{
						URL:           "ldaps://ldap.example.eu:636",
						BaseDN:        "ou=people,dc=example,dc=eu",
						Filter:        "(uid=%u)",
						BindSecretRef: v1alpha1.LocalObjectReference{Name: "ldap-bind"},
					},
				}
			},
		},
		{
			name: "a cert-manager issuerRef gets kind Issuer and group cert-manager.io",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: issuer
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    issuerRef:
      name: letsencrypt
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.TLS = v1alpha1.TLSSpec{IssuerRef: &v1alpha1.IssuerReference{
					Name: "letsencrypt", Kind: "Issuer", Group: "cert-manager.io",
				}}
			},
		},
		{
			name: "a ClusterIssuer is accepted",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: cluster-issuer
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    issuerRef:
      name: letsencrypt
      kind: ClusterIssuer
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.TLS = v1alpha1.TLSSpec{IssuerRef: &v1alpha1.IssuerReference{
					Name: "letsencrypt", Kind: "ClusterIssuer", Group: "cert-manager.io",
				}}
			},
		},
		{
			name: "allowedRegions override the catalog and keep the other placement defaults",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: regions
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  placement:
    allowedRegions:
    - onprem-berlin
    - onprem-vienna
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Placement.AllowedRegions = []string{"onprem-berlin", "onprem-vienna"}
			},
		},
		{
			name: "Audit mode is accepted",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: audit
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  compliance:
    mode: Audit
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) { s.Compliance.Mode = "Audit" },
		},
		{
			name: "a LoadBalancer may use a media port outside the NodePort range",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: loadbalancer
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    type: LoadBalancer
    port: 10000
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Media = v1alpha1.MediaSpec{Type: "LoadBalancer", Port: 10000}
			},
		},
		{
			name: "three bridges from 32765 fit the NodePort range exactly",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: meet
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    port: 32765
  components:
    jvb:
      replicas: 3
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Media.Port = 32765
				s.Components.JVB.Replicas = 3
			},
		},
		{
			name: "a LoadBalancer without port gets port 30000",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: loadbalancer-default-port
spec:
  domain: meet.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
  media:
    type: LoadBalancer
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.Media = v1alpha1.MediaSpec{Type: "LoadBalancer", Port: 30000}
			},
		},
		{
			name: "a domain of exactly 253 characters is accepted",
			manifest: `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: longest-domain
spec:
  domain: ` + longestDomain + `
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
`,
			want: func(s *v1alpha1.MeetingPlatformSpec) { s.Domain = longestDomain },
		},
		{
			name:     "a platform on a Gateway needs neither spec.tls nor spec.ingress and gets no Ingress default",
			manifest: gatewayManifest,
			want: func(s *v1alpha1.MeetingPlatformSpec) {
				s.TLS = v1alpha1.TLSSpec{}
				s.Gateway = &v1alpha1.GatewaySpec{
					ParentRefs: []v1alpha1.GatewayParentReference{{Name: "public", Namespace: "gateway-system",
						SectionName: "https", RedirectSectionName: "http"}},
					ProxyNamespace: "envoy-gateway-system", ProxyPodSelector: "gateway.envoyproxy.io/owning-gateway-name=public",
				}
			},
		},
	}

	tests = append(tests,
		struct {
			name     string
			manifest string
			want     func(s *v1alpha1.MeetingPlatformSpec)
		}{"own TURN gets its Service defaults", manifestWith(map[string]string{"turn": "{own: {}}"}), func(s *v1alpha1.MeetingPlatformSpec) {
			s.TURN = &v1alpha1.TURNSpec{Own: &v1alpha1.OwnTURNSpec{Type: "LoadBalancer", Port: 3478, TLSPort: 443, ImageRegistry: "docker.io/coturn"}}
		}},
		struct {
			name     string
			manifest string
			want     func(s *v1alpha1.MeetingPlatformSpec)
		}{"a declared TURN server gets TURNS on 443 and the default key",
			manifestWith(map[string]string{"turn": "{external: {host: turn.example.eu, jurisdiction: EU, secretRef: {name: turn}}}"}),
			func(s *v1alpha1.MeetingPlatformSpec) {
				s.TURN = &v1alpha1.TURNSpec{External: &v1alpha1.ExternalTURNSpec{Host: "turn.example.eu", Port: 443, Transport: "tls",
					Jurisdiction: "EU", SecretRef: v1alpha1.SecretKeyReference{Name: "turn", Key: "secret"}}}
			}},
	)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := decode(t, tt.manifest)
			if err := c.Create(t.Context(), obj); err != nil {
				t.Fatalf("the API server refused a valid manifest: %v", err)
			}
			t.Cleanup(func() { _ = c.Delete(context.Background(), obj) })

			got := &v1alpha1.MeetingPlatform{}
			if err := c.Get(t.Context(), client.ObjectKeyFromObject(obj), got); err != nil {
				t.Fatal(err)
			}
			want := minimalSpec()
			tt.want(&want)
			if diff := cmp.Diff(want, got.Spec); diff != "" {
				t.Errorf("spec read back from the API server (-want +got):\n%s", diff)
			}
		})
	}
}

// The samples of config/samples are what users copy: the API server must accept them.
func TestTheSamplesAreAccepted(t *testing.T) {
	c := apiServer(t)
	for i, path := range []string{"meetwarden_v1alpha1_meetingplatform.yaml", filepath.Join("gateway", "meetingplatform.yaml")} {
		t.Run(path, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", path))
			if err != nil {
				t.Fatal(err)
			}
			obj := decode(t, string(raw))
			obj.SetName(fmt.Sprintf("sample-%d", i))
			if err := c.Create(t.Context(), obj); err != nil {
				t.Fatalf("the API server refused the sample: %v", err)
			}
			_ = c.Delete(context.Background(), obj)
		})
	}
}

func TestCRDPresentation(t *testing.T) {
	apiServer(t)
	crd, err := crdClient.ApiextensionsV1().CustomResourceDefinitions().
		Get(t.Context(), "meetingplatforms.meetwarden.io", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the installed CRD: %v", err)
	}

	if got := crd.Spec.Names.ShortNames; !cmp.Equal(got, []string{"mp"}) {
		t.Errorf("short names = %v, want [mp] (kubectl get mp)", got)
	}
	if got := crd.Spec.Names.Categories; !cmp.Equal(got, []string{"meetwarden"}) {
		t.Errorf("categories = %v, want [meetwarden] (kubectl get meetwarden)", got)
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1alpha1" {
		t.Fatalf("versions = %+v, want exactly v1alpha1", crd.Spec.Versions)
	}
	v := crd.Spec.Versions[0]
	if v.Subresources == nil || v.Subresources.Status == nil {
		t.Error("the status subresource is not enabled")
	}

	type column struct{ Name, Type, JSONPath string }
	want := []column{
		{"Domain", "string", ".spec.domain"},
		{"Ready", "string", `.status.conditions[?(@.type=="Ready")].status`},
		{"Compliant", "string", `.status.conditions[?(@.type=="Compliant")].status`},
		{"Failing", "integer", ".status.compliance.summary.fail"},
		{"Age", "date", ".metadata.creationTimestamp"},
	}
	var got []column
	for _, c := range v.AdditionalPrinterColumns {
		got = append(got, column{c.Name, c.Type, c.JSONPath})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("printer columns (-want +got):\n%s", diff)
	}
}

// TestPrinterColumnsShowStatus creates a platform, writes its status through the status
// subresource and asks the API server for the table `kubectl get mp` prints.
func TestPrinterColumnsShowStatus(t *testing.T) {
	c := apiServer(t)
	obj := decode(t, `
apiVersion: meetwarden.io/v1alpha1
kind: MeetingPlatform
metadata:
  name: columns
spec:
  domain: columns.example.eu
  privacyPolicyURL: https://example.eu/privacy
  tls:
    secretName: meet-tls
  access:
    jwt:
      appID: meetwarden
      secretRef:
        name: jwt-secret
status:
  url: https://ignored.example.eu
`)
	if err := c.Create(t.Context(), obj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), obj) })

	mp := &v1alpha1.MeetingPlatform{}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(obj), mp); err != nil {
		t.Fatal(err)
	}
	if mp.Status.URL != "" {
		t.Errorf("create kept status.url %q: status must only be written through the subresource", mp.Status.URL)
	}

	mp.Status.URL = "https://" + mp.Spec.Domain
	meta.SetStatusCondition(&mp.Status.Conditions, metav1.Condition{
		Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Available", Message: "all components available",
	})
	meta.SetStatusCondition(&mp.Status.Conditions, metav1.Condition{
		Type: v1alpha1.ConditionCompliant, Status: metav1.ConditionFalse, Reason: "ControlsFailing", Message: "2 controls fail",
	})
	mp.Status.Compliance = &v1alpha1.ComplianceStatus{
		Profile: v1alpha1.ComplianceProfile,
		Summary: v1alpha1.ComplianceSummary{Pass: 20, Fail: 2, Warn: 1},
	}
	if err := c.Status().Update(t.Context(), mp); err != nil {
		t.Fatalf("writing status through the subresource: %v", err)
	}

	httpClient, err := rest.HTTPClientFor(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s/apis/meetwarden.io/v1alpha1/namespaces/%s/meetingplatforms/%s",
		strings.TrimSuffix(restCfg.Host, "/"), testNamespace, mp.Name)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s as Table: %s\n%s", url, resp.Status, body)
	}
	var table metav1.Table
	if err := json.Unmarshal(body, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) != 1 {
		t.Fatalf("table has %d rows, want 1", len(table.Rows))
	}
	cells := map[string]any{}
	for i, col := range table.ColumnDefinitions {
		cells[col.Name] = table.Rows[0].Cells[i]
	}
	for name, want := range map[string]any{
		"Name": "columns", "Domain": "columns.example.eu", "Ready": "True", "Compliant": "False",
		"Failing": float64(2), // JSON numbers decode as float64
	} {
		if got := cells[name]; got != want {
			t.Errorf("column %s = %#v, want %#v (all cells: %v)", name, got, want, cells)
		}
	}
	if age, _ := cells["Age"].(string); age == "" {
		t.Errorf("column Age is empty (all cells: %v)", cells)
	}
}

// TestSpecFieldsAreDocumented checks that `kubectl explain mp.spec...` has a description for
// every field, recursively, as served by the API server.
func TestSpecFieldsAreDocumented(t *testing.T) {
	apiServer(t)
	crd, err := crdClient.ApiextensionsV1().CustomResourceDefinitions().
		Get(t.Context(), "meetingplatforms.meetwarden.io", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the installed CRD: %v", err)
	}
	root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	spec, ok := root.Properties["spec"]
	if !ok {
		t.Fatal("the schema has no spec")
	}

	checked := 0
	var walk func(path string, s apiextensionsv1.JSONSchemaProps)
	walk = func(path string, s apiextensionsv1.JSONSchemaProps) {
		checked++
		if strings.TrimSpace(s.Description) == "" {
			t.Errorf("%s has no description", path)
		}
		// corev1.ResourceRequirements is documented upstream; its internals are not ours.
		if strings.HasSuffix(path, ".resources") {
			return
		}
		for name, p := range s.Properties {
			walk(path+"."+name, p)
		}
		// List items and map values carry the description on the list field itself.
		if s.Items != nil && s.Items.Schema != nil {
			for name, p := range s.Items.Schema.Properties {
				walk(path+"[]."+name, p)
			}
		}
	}
	walk("spec", spec)
	if checked < 40 {
		t.Errorf("checked only %d fields; the walk is broken", checked)
	}
	t.Logf("%d spec fields documented", checked)
}

// TestNoStringFieldAcceptsControlCharacters spoils, one at a time, every string of valid
// platforms (every field the API has between them) with a control character in the middle, and
// wants the API server to refuse each, naming the field: a line break in any value the
// operator writes into an environment variable, a configuration file or the record would
// start a new line there. It also walks the CRD to check that no string field was left out.
func TestNoStringFieldAcceptsControlCharacters(t *testing.T) {
	c := apiServer(t)
	bases := []string{
		fullManifest,
		gatewayManifest,
		manifestWith(map[string]string{"access": ldapAccess(okLDAPURL, okBaseDN, okFilter)}),
		manifestWith(map[string]string{"access": "{authentication: Internal, internal: {accountsClaimName: prosody-accounts}}"}),
		manifestWith(map[string]string{"access": "{authentication: OIDC, oidc: {issuerURL: 'https://id.example.eu/realms/staff', clientID: meet, " +
			"clientSecretRef: {name: meet-oidc, key: client-secret}, displayNameClaim: preferred_username, groupsClaim: groups, " +
			"moderatorGroups: [/meet/moderators], allowedGroups: [staff], tokenLifetime: 10m}}"}),
		manifestWith(map[string]string{"tls": "{issuerRef: {name: letsencrypt, kind: ClusterIssuer, group: cert-manager.io}}"}),
		manifestWith(map[string]string{"turn": "{own: {host: turn.example.eu, tlsSecretName: turn-tls, type: LoadBalancer, imageRegistry: registry.example.eu/coturn}}"}),
		manifestWith(map[string]string{"turn": "{external: {host: turn.example.eu, transport: udp, jurisdiction: EU, secretRef: {name: turn, key: shared}}}"}),
	}
	spoiled := map[string]bool{}
	for _, base := range bases {
		obj := decode(t, base)
		for _, leaf := range stringLeaves(obj.Object["spec"]) {
			path, value := fieldPath("spec", leaf), valueAt(obj.Object["spec"], leaf)
			spoiled[schemaPath(path)] = true
			for _, control := range []string{"\n", "\x1b", "\u0085"} {
				t.Run(fmt.Sprintf("%s with %q", path, control), func(t *testing.T) {
					bad := decode(t, base)
					spoilt := value[:1] + control + value[1:]
					setAt(bad.Object["spec"], leaf, spoilt)
					err := c.Create(t.Context(), bad)
					if err == nil {
						_ = c.Delete(context.Background(), bad)
						t.Fatalf("the API server accepted %s = %q", path, spoilt)
					}
					if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), path) {
						t.Fatalf("want an Invalid error naming %s, got %v", path, err)
					}
				})
			}
		}
	}

	crd, err := crdClient.ApiextensionsV1().CustomResourceDefinitions().
		Get(t.Context(), "meetingplatforms.meetwarden.io", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the installed CRD: %v", err)
	}
	for _, path := range schemaStrings("spec", crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]) {
		if !spoiled[path] {
			t.Errorf("string field %s is in no base manifest of this test, so nothing shows that it refuses control characters", path)
		}
	}
}

// stringLeaves lists the string values under v, each as the map keys and list indices that
// lead to it; compute resources are upstream types and skipped.
func stringLeaves(v any, steps ...any) [][]any {
	var out [][]any
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if k != "resources" {
				out = append(out, stringLeaves(v[k], append(slices.Clone(steps), k)...)...)
			}
		}
	case []any:
		for i := range v {
			out = append(out, stringLeaves(v[i], append(slices.Clone(steps), i)...)...)
		}
	case string:
		out = append(out, steps)
	}
	return out
}

// fieldPath names a leaf as the API server does: spec.media.advertiseAddresses[0].
func fieldPath(root string, steps []any) string {
	for _, step := range steps {
		switch step := step.(type) {
		case string:
			root += "." + step
		case int:
			root += fmt.Sprintf("[%d]", step)
		}
	}
	return root
}

// valueAt returns the string a leaf leads to in v, and setAt replaces it.
func valueAt(v any, steps []any) string {
	for _, step := range steps {
		v = child(v, step)
	}
	s, _ := v.(string)
	return s
}

func setAt(v any, steps []any, value string) {
	parent, last := v, steps[len(steps)-1]
	for _, step := range steps[:len(steps)-1] {
		parent = child(parent, step)
	}
	switch last := last.(type) {
	case string:
		parent.(map[string]any)[last] = value
	case int:
		parent.([]any)[last] = value
	}
}

// child is the value under a map key or at a list index.
func child(v any, step any) any {
	if i, ok := step.(int); ok {
		return v.([]any)[i]
	}
	return v.(map[string]any)[step.(string)]
}

// listIndex is a list index in a field path.
var listIndex = regexp.MustCompile(`\[[0-9]+\]`)

// schemaPath turns a field path into its schema path: list indices become [].
func schemaPath(path string) string {
	return listIndex.ReplaceAllString(path, "[]")
}

// schemaStrings lists the string properties of a schema by schema path, compute resources
// skipped like stringLeaves does.
func schemaStrings(path string, s apiextensionsv1.JSONSchemaProps) []string {
	var out []string
	switch s.Type {
	case "string":
		out = append(out, path)
	case "array":
		if s.Items != nil && s.Items.Schema != nil {
			out = append(out, schemaStrings(path+"[]", *s.Items.Schema)...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		if name != "resources" {
			out = append(out, schemaStrings(path+"."+name, s.Properties[name])...)
		}
	}
	return out
}
