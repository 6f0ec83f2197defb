package connectivityreceiver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/periscope-otel/periscope/internal/redact"
)

// probeFunc probes one target, filling r; the error it returns is
// classified by the caller. One per kind, chosen from probes.
type probeFunc func(ctx context.Context, p *prober, t *target, r *result, tr *traceRecorder) error

var probes = map[Kind]probeFunc{
	KindDNS:   probeDNS,
	KindTCP:   probeTCP,
	KindHTTP:  probeHTTP,
	KindHTTPS: probeHTTP,
}

// prober holds what every probe shares: the resolver and the dial hook.
type prober struct {
	resolver     *net.Resolver // nil: the system resolver
	resolverAddr string        // where resolver sends queries, when set
	// control runs before every socket connects (net.Dialer.ControlContext).
	// Tests use it to refuse any address outside 127.0.0.0/8.
	control func(ctx context.Context, network, address string, c syscall.RawConn) error
}

// newProber returns a prober; resolverAddr (ip:port), when set, receives
// every DNS query.
func newProber(resolverAddr string) *prober {
	p := &prober{resolverAddr: resolverAddr}
	if resolverAddr != "" {
		p.resolver = &net.Resolver{
			PreferGo: true, // only Go's resolver honours Dial
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				d := net.Dialer{ControlContext: p.control}
				return d.DialContext(ctx, network, resolverAddr)
			},
		}
	}
	return p
}

func (p *prober) dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Resolver: p.resolver, ControlContext: p.control}
}

func (p *prober) lookupResolver() *net.Resolver {
	if p.resolver != nil {
		return p.resolver
	}
	return net.DefaultResolver
}

// probe runs one target within its timeout (and the round's deadline).
func (p *prober) probe(ctx context.Context, t *target) result {
	r := result{target: t, probed: true}
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	tr := &traceRecorder{}
	ctx = httptrace.WithClientTrace(ctx, tr.clientTrace())

	start := time.Now()
	err := probes[t.kind](ctx, p, t, &r, tr)
	r.total = time.Since(start)
	tr.apply(&r)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && p.resolverAddr != "" {
			// Go names the resolv.conf server it would have asked.
			dnsErr.Server = p.resolverAddr
		}
		r.class = classify(err, tr)
		r.err = message(err, r.class, tr)
		if r.class == classProxy {
			r.failedPhase = phaseConnect
		}
	}
	return r
}

func probeDNS(ctx context.Context, p *prober, t *target, r *result, _ *traceRecorder) error {
	start := time.Now()
	addrs, err := p.lookupResolver().LookupHost(ctx, t.Endpoint)
	r.setPhase(phaseDNS, time.Since(start))
	r.addrs = addrs
	return err
}

func probeTCP(ctx context.Context, p *prober, t *target, _ *result, _ *traceRecorder) error {
	conn, err := p.dialer(t.Timeout).DialContext(ctx, "tcp", t.Endpoint)
	if err != nil {
		return err
	}
	return conn.Close()
}

// probeHTTP sends one GET over a fresh connection (no keep-alive, no
// redirects followed), through the proxy the environment names at this
// moment.
func probeHTTP(ctx context.Context, p *prober, t *target, r *result, tr *traceRecorder) error {
	proxyFor := httpproxy.FromEnvironment().ProxyFunc()
	transport := &http.Transport{
		Proxy: func(req *http.Request) (*url.URL, error) {
			u, err := proxyFor(req.URL)
			tr.setProxy(u, err)
			if u != nil {
				r.proxy = redact.URL(u.String())
			}
			return u, err
		},
		DialContext: p.dialer(t.Timeout).DialContext,
		// insecure is set only by a kubeconfig's insecure-skip-tls-verify:
		// the API server is checked the way kubectl reaches it.
		TLSClientConfig:       &tls.Config{RootCAs: t.rootCAs, ServerName: t.serverName, InsecureSkipVerify: t.insecure}, //nolint:gosec // see above
		TLSHandshakeTimeout:   t.Timeout,
		ResponseHeaderTimeout: t.Timeout,
		DisableKeepAlives:     true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Endpoint, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "otelcol-periscope-connectivity")
	resp, err := client.Do(req)
	r.remoteAddr = tr.remote()
	if err != nil {
		return err
	}
	resp.Body.Close()
	r.httpStatus = resp.StatusCode
	if t.ExpectedStatus != 0 && resp.StatusCode != t.ExpectedStatus {
		return &statusError{got: resp.StatusCode, want: t.ExpectedStatus}
	}
	return nil
}

type statusError struct{ got, want int }

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s, want %d", e.got, http.StatusText(e.got), e.want)
}

// traceRecorder collects httptrace (and net.Dialer) events. Hooks may run
// on the transport's dialing goroutines, hence the lock.
type traceRecorder struct {
	mu         sync.Mutex
	start, end [numPhases]time.Time
	current    phase
	gotConn    bool
	remoteAddr string
	proxied    bool
	proxyURL   string
	proxyErr   error
}

func (tr *traceRecorder) begin(p phase) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.start[p].IsZero() { // several addresses: the first attempt starts the phase
		tr.start[p] = time.Now()
	}
	tr.current = p
}

func (tr *traceRecorder) finish(p phase) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.end[p] = time.Now()
}

// resolving says whether a connection is the resolver's own (to a DNS
// server: UDP, or any dial while a lookup is in flight), not the target's.
func (tr *traceRecorder) resolving(network string) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return strings.HasPrefix(network, "udp") || (!tr.start[phaseDNS].IsZero() && tr.end[phaseDNS].IsZero())
}

func (tr *traceRecorder) setProxy(u *url.URL, err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.proxied, tr.proxyErr = u != nil, err
	if u != nil {
		tr.proxyURL = redact.URL(u.String())
	}
}

func (tr *traceRecorder) remote() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.remoteAddr
}

func (tr *traceRecorder) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { tr.begin(phaseDNS) },
		DNSDone:  func(httptrace.DNSDoneInfo) { tr.finish(phaseDNS) },
		ConnectStart: func(network, _ string) {
			if !tr.resolving(network) {
				tr.begin(phaseConnect)
			}
		},
		ConnectDone: func(network, addr string, err error) {
			if err == nil && !tr.resolving(network) {
				tr.finish(phaseConnect)
				tr.mu.Lock()
				tr.remoteAddr = addr
				tr.mu.Unlock()
			}
		},
		TLSHandshakeStart: func() { tr.begin(phaseTLS) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err == nil {
				tr.finish(phaseTLS)
			}
		},
		GotConn: func(httptrace.GotConnInfo) {
			tr.mu.Lock()
			tr.gotConn = true
			tr.mu.Unlock()
			tr.begin(phaseHTTP)
		},
		GotFirstResponseByte: func() { tr.finish(phaseHTTP) },
	}
}

// apply copies the phases that completed into r, and where it stopped.
func (tr *traceRecorder) apply(r *result) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for p := range numPhases {
		if !tr.start[p].IsZero() && !tr.end[p].IsZero() && !r.ran[p] {
			r.setPhase(p, tr.end[p].Sub(tr.start[p]))
		}
	}
	r.failedPhase = tr.current
	if r.target.kind == KindDNS {
		r.failedPhase = phaseDNS
	}
}

// tunnelUp says whether the connection got past the proxy: a TLS handshake
// with the target started, or the transport handed over a connection.
func (tr *traceRecorder) tunnelUp() bool {
	return !tr.start[phaseTLS].IsZero() || tr.gotConn
}

// classify names why a probe failed. The order matters: the most specific
// cause first (a proxy in the way, DNS, certificates), then how it failed
// (timeout, refused), then where.
func classify(err error, tr *traceRecorder) errorClass {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var (
		status     *statusError
		dnsErr     *net.DNSError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalid    x509.CertificateInvalidError
		netErr     net.Error
		inProgress = tr.current
	)
	switch {
	case errors.As(err, &status):
		return classHTTPStatus
	case tr.proxyErr != nil, tr.proxied && !tr.tunnelUp():
		return classProxy
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return classDNSNXDomain
		}
		return classDNS
	case errors.As(err, &unknownCA):
		return classTLSUnknownAuthority
	case errors.As(err, &hostErr), errors.As(err, &invalid):
		return classTLSCertificate
	case errors.Is(err, context.Canceled):
		return classCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return classTimeout
	case isRefused(err):
		return classConnectionRefused
	case isReset(err):
		return classConnectionReset
	}
	switch inProgress {
	case phaseTLS:
		return classTLSHandshake
	case phaseHTTP:
		return classHTTP
	case phaseDNS:
		return classDNS
	}
	return classConnect
}

// message is the failure in one line, without the request URL that
// url.Error repeats (it may hold credentials).
func message(err error, class errorClass, tr *traceRecorder) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if class == classCanceled {
		return "the collector stopped before the probe finished (" + err.Error() + ")"
	}
	if class == classProxy {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		if tr.proxyURL != "" {
			return "via proxy " + tr.proxyURL + ": " + err.Error()
		}
	}
	return err.Error()
}
