package kubeapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is what the API server needs to serve TLS and sign ServiceAccount
// tokens, written as PEM files into dir.
type pki struct {
	CAPEM       []byte // trust anchor for clients
	ServingCert string // file: serving certificate for 127.0.0.1 and localhost
	ServingKey  string // file
	SAKey       string // file: ServiceAccount token signing key (private; the server derives the public half)

	// The aggregation layer (APIService proxying, e.g. metrics.k8s.io): the
	// API server proxies with a client certificate signed by a front-proxy
	// CA, which aggregated servers trust for the X-Remote-* headers.
	FrontProxyCA         string // file: the front-proxy CA certificate
	FrontProxyClientCert string // file: the API server's proxy client certificate (CN front-proxy-client)
	FrontProxyClientKey  string // file
}

// frontProxyClientName is the CN aggregated servers accept proxied
// requests from (--requestheader-allowed-names).
const frontProxyClientName = "front-proxy-client"

// newPKI creates a throw-away CA, a serving certificate signed by it (for
// 127.0.0.1, localhost and servingIPs), and a ServiceAccount signing key. ECDSA P-256 keeps generation instant.
func newPKI(dir string, servingIPs ...net.IP) (pki, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return pki{}, fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kubeapi test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return pki{}, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return pki{}, fmt.Errorf("parse CA certificate: %w", err)
	}

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return pki{}, fmt.Errorf("generate serving key: %w", err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  append([]net.IP{net.IPv4(127, 0, 0, 1)}, servingIPs...),
		DNSNames:     []string{"localhost"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return pki{}, fmt.Errorf("create serving certificate: %w", err)
	}

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return pki{}, fmt.Errorf("generate ServiceAccount signing key: %w", err)
	}

	fpCADER, fpClientDER, fpClientKey, err := newFrontProxyPKI(now)
	if err != nil {
		return pki{}, err
	}

	p := pki{
		CAPEM:                pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		ServingCert:          filepath.Join(dir, "serving.crt"),
		ServingKey:           filepath.Join(dir, "serving.key"),
		SAKey:                filepath.Join(dir, "sa.key"),
		FrontProxyCA:         filepath.Join(dir, "front-proxy-ca.crt"),
		FrontProxyClientCert: filepath.Join(dir, "front-proxy-client.crt"),
		FrontProxyClientKey:  filepath.Join(dir, "front-proxy-client.key"),
	}
	srvKeyPEM, err := ecKeyPEM(srvKey)
	if err != nil {
		return pki{}, err
	}
	saKeyPEM, err := ecKeyPEM(saKey)
	if err != nil {
		return pki{}, err
	}
	fpClientKeyPEM, err := ecKeyPEM(fpClientKey)
	if err != nil {
		return pki{}, err
	}
	files := map[string][]byte{
		p.ServingCert:          pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}),
		p.ServingKey:           srvKeyPEM,
		p.SAKey:                saKeyPEM,
		p.FrontProxyCA:         pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fpCADER}),
		p.FrontProxyClientCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fpClientDER}),
		p.FrontProxyClientKey:  fpClientKeyPEM,
	}
	for name, data := range files {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			return pki{}, fmt.Errorf("write %s: %w", name, err)
		}
	}
	return p, nil
}

func ecKeyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

// newFrontProxyPKI creates the front-proxy CA (separate from the serving
// CA, as kubeadm does: a client certificate of the main CA must not be able
// to assert X-Remote-User) and the API server's proxy client certificate.
func newFrontProxyPKI(now time.Time) (caDER, clientDER []byte, clientKey *ecdsa.PrivateKey, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generate front-proxy CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kubeapi test front-proxy CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err = x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create front-proxy CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parse front-proxy CA certificate: %w", err)
	}
	clientKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generate front-proxy client key: %w", err)
	}
	clientTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: frontProxyClientName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	clientDER, err = x509.CreateCertificate(rand.Reader, clientTmpl, caCert, &clientKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create front-proxy client certificate: %w", err)
	}
	return caDER, clientDER, clientKey, nil
}
