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
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/meetwarden/meetwarden/api/v1alpha1"
	"github.com/meetwarden/meetwarden/controllers/settings"
)

// Certificate thresholds of TLS-2.
const (
	minRSABits = 2048
	minECBits  = 256
	// expiryWarning is how long before expiry a certificate turns the control to Warn.
	expiryWarning = 14 * 24 * time.Hour
)

// dateFormat shows certificate dates in messages: they belong to the certificate, so they only
// change when the certificate does.
const dateFormat = "2006-01-02"

// TLS-2: the certificate of the TLS Secret covers the domain, is valid, and has a strong key.
// With a Gateway, the Secrets are those of the listeners the platform is served on.
func checkCertificate(s *Snapshot) (resultValue, string) {
	if settings.UsesGateway(s.Platform) {
		return s.checkListenerCertificates()
	}
	return s.judgeCertificate(settings.TLSSecretName(s.Platform), s.TLSSecret)
}

// judgeCertificate judges the certificate of one TLS Secret (nil: it does not exist).
func (s *Snapshot) judgeCertificate(name string, sec *corev1.Secret) (resultValue, string) {
	mp := s.Platform
	if sec == nil {
		return fail("TLS Secret %s does not exist", name)
	}
	if sec.Type != corev1.SecretTypeTLS {
		return fail("Secret %s has type %q (want %q)", sec.Name, sec.Type, corev1.SecretTypeTLS)
	}
	chain, err := certificateChain(sec.Data[corev1.TLSCertKey])
	if err != nil {
		return fail("Secret %s: %s %v", sec.Name, corev1.TLSCertKey, err)
	}
	cert := chain[0]
	if _, err := tls.X509KeyPair(sec.Data[corev1.TLSCertKey], sec.Data[corev1.TLSPrivateKeyKey]); err != nil {
		// The error text never contains key material, but it is not needed: say what is wrong.
		return fail("Secret %s: %s does not hold the private key of the certificate in %s",
			sec.Name, corev1.TLSPrivateKeyKey, corev1.TLSCertKey)
	}
	subject := fmt.Sprintf("Secret %s: certificate for %s", sec.Name, certificateNames(cert))
	if err := cert.VerifyHostname(mp.Spec.Domain); err != nil {
		return fail("%s does not cover %s", subject, mp.Spec.Domain)
	}
	if s.Now.Before(cert.NotBefore) {
		return fail("%s is not valid before %s", subject, cert.NotBefore.UTC().Format(dateFormat))
	}
	if !s.Now.Before(cert.NotAfter) {
		return fail("%s expired on %s", subject, cert.NotAfter.UTC().Format(dateFormat))
	}
	key, ok := keyStrength(cert)
	if !ok {
		return fail("%s has an %s key (want RSA >= %d bits or EC >= %d bits)", subject, key, minRSABits, minECBits)
	}
	if !forServers(cert) {
		return fail("%s is not for TLS servers: its extended key usage lacks serverAuth, so browsers refuse it", subject)
	}
	// Judged as a browser judges it: the chain must lead to a root the trust store holds.
	if s.Roots == nil {
		return warn("%s: the operator has no trust store, so who issued the certificate cannot be checked", subject)
	}
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: mp.Spec.Domain, Roots: s.Roots, Intermediates: intermediates,
		CurrentTime: s.Now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return warn("%s is issued by %q, which no root of the trust store vouches for (a private or self-signed CA): browsers warn unless the organisation installs that CA",
			subject, issuerName(cert))
	}
	if cert.NotAfter.Sub(s.Now) < expiryWarning {
		return warn("%s expires on %s, within 14 days", subject, cert.NotAfter.UTC().Format(dateFormat))
	}
	return pass("Secret %s: certificate covers %s, valid until %s, %s key", sec.Name, mp.Spec.Domain, cert.NotAfter.UTC().Format(dateFormat), key)
}

// checkListenerCertificates judges the certificate of every HTTPS listener the platform is
// served on: the worst result counts, the first listener's names a pass.
func (s *Snapshot) checkListenerCertificates() (resultValue, string) {
	refs, gateways, v := s.platformGateways()
	var passed []string
	for i, ref := range refs {
		serving, found := s.servingListeners(ref, gateways[i])
		v.addAll(found)
		for _, l := range serving {
			if l.spec.Protocol != gatewayv1.HTTPSProtocolType {
				continue // TLS-1 fails it
			}
			switch result, message := s.listenerCertificate(l); result {
			case v1alpha1.ResultFail:
				v.failed.add("%s: %s", l, message)
			case v1alpha1.ResultWarn:
				v.warned.add("%s: %s", l, message)
			default:
				passed = append(passed, l.String()+": "+message)
			}
		}
	}
	if len(passed) == 0 && len(v.failed)+len(v.warned) == 0 {
		v.failed.add("no HTTPS listener serves %s", s.Platform.Spec.Domain)
	}
	ok := ""
	if len(passed) > 0 {
		ok = passed[0]
	}
	return v.result(ok)
}

// listenerCertificate judges the certificate Secret a listener serves: the first of its
// certificateRefs (a single Secret reference is Core support; more are implementation-
// specific, gateway_types.go ListenerTLSConfig), followed into another namespace only where a
// ReferenceGrant there lets the Gateway use it.
func (s *Snapshot) listenerCertificate(l listener) (resultValue, string) {
	if l.spec.TLS == nil || len(l.spec.TLS.CertificateRefs) == 0 {
		return fail("names no certificate")
	}
	ref := l.spec.TLS.CertificateRefs[0]
	key := CertificateKey(l.gw, ref)
	switch {
	case !IsSecretRef(ref):
		return warn("its certificate is a %s, which the operator cannot read", kindOf(ref))
	case !s.granted(l.gw, key):
		return fail("it names Secret %s of another namespace, and no ReferenceGrant there lets Gateways of namespace %s use it", key, l.gw.Namespace)
	case s.Unreadable["Secret "+key] != "":
		return warn("its certificate Secret %s cannot be read (%s)", key, s.Unreadable["Secret "+key])
	}
	return s.judgeCertificate(key, s.ListenerSecrets[key])
}

func kindOf(ref gatewayv1.SecretObjectReference) string {
	kind := settings.SecretKind
	if ref.Kind != nil {
		kind = string(*ref.Kind)
	}
	if ref.Group != nil && *ref.Group != "" {
		kind += "." + string(*ref.Group)
	}
	return kind
}

// granted says whether the Gateway may use the Secret "namespace/name": it is in the
// Gateway's own namespace, or a ReferenceGrant in the Secret's namespace lets Gateways of the
// Gateway's namespace refer to it (by name, or to every Secret) (referencegrant_types.go).
func (s *Snapshot) granted(gw *gatewayv1.Gateway, key string) bool {
	ns, name, _ := strings.Cut(key, "/")
	if ns == gw.Namespace {
		return true
	}
	return slices.ContainsFunc(s.ReferenceGrants, func(g gatewayv1.ReferenceGrant) bool {
		from := slices.ContainsFunc(g.Spec.From, func(f gatewayv1.ReferenceGrantFrom) bool {
			return f.Group == settings.GatewayGroup && f.Kind == settings.GatewayKind && string(f.Namespace) == gw.Namespace
		})
		to := slices.ContainsFunc(g.Spec.To, func(t gatewayv1.ReferenceGrantTo) bool {
			return t.Group == "" && t.Kind == settings.SecretKind && (t.Name == nil || string(*t.Name) == name)
		})
		return g.Namespace == ns && from && to
	})
}

// CertificateChange is the next instant after now at which the TLS-2 result of the Secret's
// certificate changes by the clock alone (it becomes valid, enters the 14-day warning, expires),
// so that the reconciler looks again then instead of at its hourly recheck; zero when there is
// none, or no certificate to read.
func CertificateChange(sec *corev1.Secret, now time.Time) time.Time {
	if sec == nil {
		return time.Time{}
	}
	chain, err := certificateChain(sec.Data[corev1.TLSCertKey])
	if err != nil {
		return time.Time{}
	}
	cert := chain[0]
	for _, at := range []time.Time{cert.NotBefore, cert.NotAfter.Add(-expiryWarning), cert.NotAfter} {
		if at.After(now) {
			return at
		}
	}
	return time.Time{}
}

// CertificateExpiry is the notAfter of the leaf certificate of a TLS Secret; zero when there is
// no Secret or no certificate in it to read.
func CertificateExpiry(sec *corev1.Secret) time.Time {
	if sec == nil {
		return time.Time{}
	}
	chain, err := certificateChain(sec.Data[corev1.TLSCertKey])
	if err != nil {
		return time.Time{}
	}
	return chain[0].NotAfter
}

// certificateChain parses the certificates of a PEM chain, the leaf first.
func certificateChain(data []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("holds a certificate that cannot be parsed")
		}
		chain = append(chain, cert)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("holds no PEM certificate")
	}
	return chain, nil
}

// forServers reports whether a certificate may serve TLS: no extended key usage (any use), or
// one that includes serverAuth.
func forServers(cert *x509.Certificate) bool {
	return len(cert.ExtKeyUsage) == 0 || slices.ContainsFunc(cert.ExtKeyUsage, func(u x509.ExtKeyUsage) bool {
		return u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny
	})
}

// issuerName names a certificate's issuer for messages.
func issuerName(cert *x509.Certificate) string {
	if cert.Issuer.CommonName != "" {
		return cert.Issuer.CommonName
	}
	return cert.Issuer.String()
}

// certificateNames lists the DNS names of a certificate (its common name when it has none).
func certificateNames(cert *x509.Certificate) string {
	if len(cert.DNSNames) > 0 {
		return strings.Join(cert.DNSNames, ", ")
	}
	if cert.Subject.CommonName != "" {
		return cert.Subject.CommonName
	}
	return "no name"
}

// keyStrength describes the certificate's public key ("RSA 2048-bit") and whether it is strong
// enough for TLS-2.
func keyStrength(cert *x509.Certificate) (string, bool) {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		return fmt.Sprintf("RSA %d-bit", bits), bits >= minRSABits
	case *ecdsa.PublicKey:
		bits := k.Curve.Params().BitSize
		return fmt.Sprintf("EC %d-bit", bits), bits >= minECBits
	}
	return cert.PublicKeyAlgorithm.String(), false
}
