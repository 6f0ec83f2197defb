package connectivityreceiver

// Real servers on 127.0.0.1 for the probes to meet: HTTPS with a test CA,
// a listener that never answers, an HTTP 403, a DNS server, a CONNECT proxy.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testZone is the test DNS server's domain; names in it are not resolved by
// any real resolver, so a probe that leaks to one fails instead of leaving.
const testZone = "periscope.test"

// loopbackOnly is the dial hook of every test prober: a probe that would
// leave 127.0.0.0/8 fails the test and is refused before it connects.
func loopbackOnly(t testing.TB) func(context.Context, string, string, syscall.RawConn) error {
	return func(_ context.Context, network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !ap.Addr().Unmap().IsLoopback() || !ap.Addr().Unmap().Is4() {
			t.Errorf("a probe dialed %s %s, outside 127.0.0.0/8", network, address)
			return fmt.Errorf("test guard: %s is not on loopback", address)
		}
		return nil
	}
}

// testProber sends DNS to dnsAddr and refuses any non-loopback address.
func testProber(t testing.TB, dnsAddr string) *prober {
	p := newProber(dnsAddr)
	p.control = loopbackOnly(t)
	return p
}

// testPKI is a throw-away CA and a server certificate it signed for
// 127.0.0.1 and a few names of the test zone.
type testPKI struct {
	caFile string
	cert   tls.Certificate
}

func newTestPKI(t testing.TB) testPKI {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "periscope test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "periscope test server"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames:    []string{"ok." + testZone, "secure." + testZone, "denied." + testZone},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600))
	return testPKI{caFile: caFile, cert: tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}}
}

// startHTTPS serves 200 over TLS with the PKI's certificate; hits counts requests.
func startHTTPS(t testing.TB, pki testPKI, hits *atomic.Int32) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if hits != nil {
			hits.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pki.cert}}
	srv.Config.ErrorLog = discardLog() // the untrusted probes end handshakes on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// startStatus serves a fixed HTTP status over plain HTTP.
func startStatus(t testing.TB, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(srv.Close)
	return srv
}

// startSilent accepts connections and never writes a byte.
func startSilent(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// startDNS answers A queries for names (FQDN, lower case) with their
// address, SERVFAIL for servfail, and NXDOMAIN for everything else.
func startDNS(t testing.TB, names map[string]string, servfail ...string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		q := req.Question[0]
		name := strings.ToLower(q.Name)
		ip, known := names[name]
		switch {
		case contains(servfail, name):
			m.Rcode = dns.RcodeServerFailure
		case known && q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.ParseIP(ip),
			})
		case known: // the name exists, without this record type (AAAA)
		default:
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: handler, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// testProxy is a forward proxy that tunnels CONNECT to the allowed names
// (all mapped to 127.0.0.1) and answers 403 to any other.
type testProxy struct {
	allowed  map[string]bool
	connects atomic.Int32
}

func (p *testProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "only CONNECT", http.StatusMethodNotAllowed)
		return
	}
	p.connects.Add(1)
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil || !p.allowed[host] {
		http.Error(w, "denied by the test proxy", http.StatusForbidden)
		return
	}
	upstream, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	_, _ = conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	go func() {
		_, _ = io.Copy(upstream, buf)
		upstream.Close()
	}()
	_, _ = io.Copy(conn, upstream)
	conn.Close()
}

func startProxy(t testing.TB, allowed ...string) (*testProxy, *httptest.Server) {
	p := &testProxy{allowed: map[string]bool{}}
	for _, h := range allowed {
		p.allowed[h] = true
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

// setProxyEnv sets every spelling of the proxy variables, so the
// machine's own settings never leak into a test.
func setProxyEnv(t *testing.T, httpsProxy, noProxy string) {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, httpsProxy)
	}
	for _, k := range []string{"HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	for _, k := range []string{"NO_PROXY", "no_proxy"} {
		t.Setenv(k, noProxy)
	}
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// recordingTB notes the failures the loopback guard reports.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// The guard itself: a target outside 127.0.0.0/8 is refused before its
// socket connects (192.0.2.1 is TEST-NET-1; no packet is sent).
func TestLoopbackGuardRefusesOtherAddresses(t *testing.T) {
	rec := &recordingTB{TB: t}
	p := testProber(rec, "")
	r := p.probe(context.Background(), mkTarget(t, TargetConfig{Name: "outside", Endpoint: "192.0.2.1:443", Timeout: time.Second}))
	assert.False(t, r.ok())
	assert.Contains(t, r.err, "test guard: 192.0.2.1:443 is not on loopback")
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "outside 127.0.0.0/8")
}
