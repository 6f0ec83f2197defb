package connectivityreceiver

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mkTarget is a resolved target as resolveTargets would build it.
func mkTarget(t testing.TB, tc TargetConfig) *target {
	t.Helper()
	if tc.Timeout == 0 {
		tc.Timeout = 5 * time.Second
	}
	require.NoError(t, tc.validate(), "test target %q", tc.Name)
	tg := &target{TargetConfig: tc, kind: tc.kind()}
	if tc.CAFile != "" {
		pool, err := readCAPool(tc.CAFile, processEnvironment)
		require.NoError(t, err)
		tg.rootCAs = pool
	}
	return tg
}

// lab is one set of loopback servers every probe test can aim at.
type lab struct {
	pki     testPKI
	https   string // 127.0.0.1:port serving 200 over TLS
	hits    atomic.Int32
	plain   string // 127.0.0.1:port serving 403 over HTTP
	silent  string // accepts, never answers
	closed  string // nothing listens
	dnsAddr string
}

func newLab(t testing.TB) *lab {
	l := &lab{pki: newTestPKI(t)}
	l.https = startHTTPS(t, l.pki, &l.hits).Listener.Addr().String()
	l.plain = startStatus(t, http.StatusForbidden).Listener.Addr().String()
	l.silent = startSilent(t)
	l.closed = closedPort(t)
	l.dnsAddr = startDNS(t, map[string]string{
		"ok." + testZone + ".":     "127.0.0.1",
		"secure." + testZone + ".": "127.0.0.1",
		"wrong." + testZone + ".":  "127.0.0.1",
	}, "broken."+testZone+".")
	return l
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// One round over every failure class: each target gets its own class, and
// the never-answering target does not hold the others back.
func TestRoundReportsEachFailureClassDistinctly(t *testing.T) {
	setProxyEnv(t, "", "")
	l := newLab(t)
	// Long enough that connecting to a loopback listener on a loaded 2-core
	// machine fits inside it, so the timeout is in the HTTP phase it tests.
	const slowTimeout = 2 * time.Second
	tests := []struct {
		target      TargetConfig
		wantClass   errorClass
		wantPhase   phase // where it stopped, for failures
		wantStatus  int
		wantPhases  []phase // phases that must have completed
		wantMessage string
	}{
		{target: TargetConfig{Name: "https-trusted", Endpoint: "https://" + l.https + "/", CAFile: l.pki.caFile},
			wantStatus: 200, wantPhases: []phase{phaseConnect, phaseTLS, phaseHTTP}},
		{target: TargetConfig{Name: "https-by-name", Endpoint: "https://ok." + testZone + ":" + port(l.https) + "/", CAFile: l.pki.caFile, ExpectedStatus: 200},
			wantStatus: 200, wantPhases: []phase{phaseDNS, phaseConnect, phaseTLS, phaseHTTP}},
		{target: TargetConfig{Name: "https-untrusted", Endpoint: "https://" + l.https + "/"},
			wantClass: classTLSUnknownAuthority, wantPhase: phaseTLS, wantPhases: []phase{phaseConnect}, wantMessage: "certificate signed by unknown authority"},
		{target: TargetConfig{Name: "https-wrong-name", Endpoint: "https://wrong." + testZone + ":" + port(l.https) + "/", CAFile: l.pki.caFile},
			wantClass: classTLSCertificate, wantPhase: phaseTLS, wantPhases: []phase{phaseDNS, phaseConnect}, wantMessage: "wrong." + testZone},
		{target: TargetConfig{Name: "https-to-plain-http", Endpoint: "https://" + l.plain + "/"},
			wantClass: classTLSHandshake, wantPhase: phaseTLS, wantPhases: []phase{phaseConnect}},
		{target: TargetConfig{Name: "http-silent", Endpoint: "http://" + l.silent + "/", Timeout: slowTimeout},
			wantClass: classTimeout, wantPhase: phaseHTTP, wantPhases: []phase{phaseConnect}},
		{target: TargetConfig{Name: "http-forbidden", Endpoint: "http://" + l.plain + "/", ExpectedStatus: 200},
			wantClass: classHTTPStatus, wantPhase: phaseHTTP, wantStatus: 403, wantPhases: []phase{phaseConnect, phaseHTTP}, wantMessage: "HTTP 403 Forbidden, want 200"},
		{target: TargetConfig{Name: "http-any-status", Endpoint: "http://" + l.plain + "/"},
			wantStatus: 403, wantPhases: []phase{phaseConnect, phaseHTTP}},
		{target: TargetConfig{Name: "http-refused", Endpoint: "http://" + l.closed + "/"},
			wantClass: classConnectionRefused, wantPhase: phaseConnect},
		{target: TargetConfig{Name: "tcp-open", Endpoint: l.silent},
			wantPhases: []phase{phaseConnect}},
		{target: TargetConfig{Name: "tcp-refused", Endpoint: l.closed},
			wantClass: classConnectionRefused, wantPhase: phaseConnect, wantMessage: "connection refused"},
		{target: TargetConfig{Name: "tcp-nxdomain", Endpoint: "nx." + testZone + ":443"},
			wantClass: classDNSNXDomain, wantPhase: phaseDNS, wantMessage: "no such host"},
		{target: TargetConfig{Name: "dns-ok", Endpoint: "ok." + testZone},
			wantPhases: []phase{phaseDNS}},
		{target: TargetConfig{Name: "dns-nxdomain", Endpoint: "nx." + testZone},
			wantClass: classDNSNXDomain, wantPhase: phaseDNS, wantMessage: "no such host"},
		{target: TargetConfig{Name: "dns-servfail", Endpoint: "broken." + testZone},
			wantClass: classDNS, wantPhase: phaseDNS},
	}
	targets := make([]*target, len(tests))
	for i, tt := range tests {
		targets[i] = mkTarget(t, tt.target)
	}
	results := testProber(t, l.dnsAddr).round(context.Background(), targets, 8)

	require.Len(t, results, len(tests))
	for i, tt := range tests {
		r := results[i]
		t.Run(tt.target.Name, func(t *testing.T) {
			assert.Same(t, targets[i], r.target, "results keep target order")
			assert.True(t, r.probed, "every target was probed (none waited for the silent one)")
			assert.Equal(t, tt.wantClass, r.class, "class (error: %s)", r.err)
			if tt.wantClass != "" {
				assert.Equal(t, tt.wantPhase, r.failedPhase, "failed phase")
				assert.NotEmpty(t, r.err)
			}
			assert.Contains(t, r.err, tt.wantMessage)
			assert.Equal(t, tt.wantStatus, r.httpStatus)
			for _, p := range tt.wantPhases {
				assert.True(t, r.ran[p], "phase %s ran", p)
			}
			assert.Positive(t, r.total)
			if tg := targets[i]; tg.kind == KindDNS {
				assert.False(t, r.ran[phaseConnect], "the resolver's own dial is not a connect phase")
			}
		})
	}

	silent := results[5]
	assert.GreaterOrEqual(t, silent.total, slowTimeout, "the silent target waited its whole timeout")
	assert.Equal(t, "127.0.0.1:"+port(l.silent), silent.remoteAddr)
	dnsOK := results[12]
	assert.Equal(t, []string{"127.0.0.1"}, dnsOK.addrs)
	assert.Equal(t, int32(2), l.hits.Load(), "only the two trusted https probes got to send a request")
}

// max_concurrency 1 with a silent target first: the round still ends at
// the largest timeout, and the target that never got a slot says so.
func TestRoundIsBoundedByTheLargestTimeout(t *testing.T) {
	silent := startSilent(t)
	slow := mkTarget(t, TargetConfig{Name: "slow", Endpoint: "http://" + silent + "/", Timeout: 200 * time.Millisecond})
	queued := mkTarget(t, TargetConfig{Name: "queued", Endpoint: "http://" + silent + "/", Timeout: 100 * time.Millisecond})

	results := testProber(t, "").round(context.Background(), []*target{slow, queued}, 1)

	// Either may win the single slot; the other cannot start before the
	// round's 200 ms deadline when the winner is the slow one.
	byName := map[string]result{}
	for _, r := range results {
		byName[r.target.Name] = r
	}
	if byName["slow"].probed {
		assert.Equal(t, classTimeout, byName["slow"].class)
		if byName["queued"].probed {
			assert.Equal(t, classTimeout, byName["queued"].class, "started late, cut by the round's deadline")
		} else {
			assert.Equal(t, classNotProbed, byName["queued"].class)
			assert.Contains(t, byName["queued"].err, "max_concurrency=1")
		}
	} else {
		t.Fatalf("the slow target was not probed: %+v", byName["slow"])
	}
}

func TestNotConfiguredTargetIsReportedNotProbed(t *testing.T) {
	tg := &target{TargetConfig: TargetConfig{Name: "apiserver", Timeout: time.Second}, kind: KindHTTPS, notConfigured: "no in-cluster environment"}
	results := testProber(t, "").round(context.Background(), []*target{tg}, 8)
	require.Len(t, results, 1)
	assert.Equal(t, classNotConfigured, results[0].class)
	assert.False(t, results[0].probed)
	assert.Equal(t, "apiserver: FAILED: not_configured: no in-cluster environment", summary(&results[0]))
}

func TestHTTPSProxy(t *testing.T) {
	l := newLab(t)
	endpoint := "https://secure." + testZone + ":" + port(l.https) + "/"
	tests := []struct {
		name         string
		proxyUser    string
		noProxy      string
		endpoint     string
		proxyClosed  bool
		wantClass    errorClass
		wantConnects int32
		wantProxied  bool
	}{
		{name: "tunnels through the proxy", endpoint: endpoint, wantConnects: 1, wantProxied: true},
		{name: "credentials never leave the probe", proxyUser: "periscope:s3cret@", endpoint: endpoint, wantConnects: 1, wantProxied: true},
		{name: "NO_PROXY goes direct", noProxy: "secure." + testZone, endpoint: endpoint, wantConnects: 0},
		{name: "a refusing proxy is a proxy error", endpoint: "https://denied-by-proxy." + testZone + ":" + port(l.https) + "/", wantClass: classProxy, wantConnects: 1, wantProxied: true},
		{name: "an unreachable proxy is a proxy error", proxyClosed: true, endpoint: endpoint, wantClass: classProxy, wantProxied: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy, srv := startProxy(t, "secure."+testZone)
			proxyAddr := srv.Listener.Addr().String()
			if tt.proxyClosed {
				proxyAddr = closedPort(t)
			}
			setProxyEnv(t, "http://"+tt.proxyUser+proxyAddr, tt.noProxy)

			tg := mkTarget(t, TargetConfig{Name: "proxied", Endpoint: tt.endpoint, CAFile: l.pki.caFile})
			r := testProber(t, l.dnsAddr).probe(context.Background(), tg)

			assert.Equal(t, tt.wantClass, r.class, "class (error: %s)", r.err)
			assert.Equal(t, tt.wantConnects, proxy.connects.Load(), "CONNECTs the proxy saw")
			assert.Equal(t, tt.wantProxied, r.proxy != "", "proxy recorded: %q", r.proxy)
			if tt.wantClass == classProxy {
				assert.Equal(t, phaseConnect, r.failedPhase)
				assert.Contains(t, r.err, "via proxy http://")
			}
			for _, text := range []string{r.err, r.proxy, summary(&r)} {
				assert.NotContains(t, text, "s3cret")
			}
			if tt.proxyUser != "" {
				assert.Equal(t, "http://periscope:REDACTED@"+proxyAddr, r.proxy)
			}
		})
	}
}

// The proxy variables are read when the probe runs, not once per process.
func TestProxyEnvironmentIsReadAtProbeTime(t *testing.T) {
	l := newLab(t)
	proxy, srv := startProxy(t, "secure."+testZone)
	tg := mkTarget(t, TargetConfig{Name: "p", Endpoint: "https://secure." + testZone + ":" + port(l.https) + "/", CAFile: l.pki.caFile})
	p := testProber(t, l.dnsAddr)

	setProxyEnv(t, "", "")
	require.True(t, p.probe(context.Background(), tg).ok())
	assert.Zero(t, proxy.connects.Load())

	setProxyEnv(t, "http://"+srv.Listener.Addr().String(), "")
	r := p.probe(context.Background(), tg)
	require.True(t, r.ok(), r.err)
	assert.Equal(t, int32(1), proxy.connects.Load())
}

func TestReadCAPoolErrorsNameTheFile(t *testing.T) {
	_, err := readCAPool("testdata/no-such-ca.pem", processEnvironment)
	assert.ErrorContains(t, err, "testdata/no-such-ca.pem")
	notPEM := t.TempDir() + "/ca.pem"
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	_, err = readCAPool(notPEM, processEnvironment)
	assert.ErrorContains(t, err, "holds no PEM certificate")
}

func TestDisplayEndpointHidesCredentials(t *testing.T) {
	got := displayEndpoint("https://user:pw@blob.example.test/c?sig=secret&se=1")
	assert.Equal(t, "https://user:REDACTED@blob.example.test/c?sig=REDACTED&se=1", got)
	assert.Equal(t, "mcr.microsoft.com:80", displayEndpoint("mcr.microsoft.com:80"))
	assert.False(t, strings.Contains(got, "secret"))
}
