package analyze

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProbeLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		want ProbeLine
	}{
		{"mcr: https://mcr.microsoft.com/v2/ reachable in 120 ms (dns 5.0 ms, connect 20 ms, tls 40 ms, http 55 ms, HTTP 200)",
			ProbeLine{Target: "mcr", Endpoint: "https://mcr.microsoft.com/v2/", OK: true, Phases: []string{"dns", "connect", "tls", "http"}}},
		{"dns: example.com resolved in 3.0 ms (dns 3.0 ms, 93.184.216.34)",
			ProbeLine{Target: "dns", Endpoint: "example.com", OK: true, Phases: []string{"dns"}}},
		{"nx: nx.example.test FAILED: dns_nxdomain: lookup nx.example.test on 10.0.0.10:53: no such host (after 3.1 ms: dns 3.1 ms)",
			ProbeLine{Target: "nx", Endpoint: "nx.example.test", Class: "dns_nxdomain", Message: "lookup nx.example.test on 10.0.0.10:53: no such host", Phases: []string{"dns"}}},
		{"mcr: 127.0.0.1:1 FAILED: connection_refused: dial tcp 127.0.0.1:1: connect: connection refused (after 1.9 ms)",
			ProbeLine{Target: "mcr", Endpoint: "127.0.0.1:1", Class: "connection_refused", Message: "dial tcp 127.0.0.1:1: connect: connection refused"}},
		{"apiserver: FAILED: not_configured: no API server known",
			ProbeLine{Target: "apiserver", Class: "not_configured", Message: "no API server known"}},
	} {
		got, err := ParseProbeLine(tc.line)
		require.NoError(t, err, tc.line)
		assert.Equal(t, tc.want, got, tc.line)
	}
	for _, bad := range []string{"", "no colon here", "a b: x reachable in 1 ms", "t: x FAILED: no class", "t: x went somewhere"} {
		_, err := ParseProbeLine(bad)
		assert.Error(t, err, bad)
	}
}

func ExampleParseProbeLine() {
	p, _ := ParseProbeLine("mcr: 127.0.0.1:1 FAILED: connection_refused: dial tcp 127.0.0.1:1: connect: connection refused (after 1.9 ms)")
	fmt.Println(p.Target, p.Endpoint, p.Class)
	// Output: mcr 127.0.0.1:1 connection_refused
}

func TestSplitStatusClassesPeriscopeErrors(t *testing.T) {
	for status, want := range map[string]string{
		"Error: dial tcp: lookup mcr.microsoft.com on 10.1.0.4:53: no such host": "dns_nxdomain",
		"Error: dial tcp 10.0.0.1:443: i/o timeout":                              "timeout",
		"Error: dial tcp 10.0.0.1:443: connect: connection refused":              "connection_refused",
		"Error: tls_handshake: remote error: tls: handshake failure":             "tls_handshake",
		"Error: something else entirely":                                         "",
	} {
		ok, class, _ := splitStatus(status)
		assert.False(t, ok)
		assert.Equal(t, want, class, status)
	}
	ok, _, _ := splitStatus("Connected")
	assert.True(t, ok)
}

func TestParseErrorsLog(t *testing.T) {
	got := ParseErrorsLog([]byte("iptables/iptables-save: not available: command not found\r\n\nweird line without a key\nkubeletcmd/kubeletcmd: no kubelet: process not found\n"))
	assert.Equal(t, []CollectionError{
		{Collector: "iptables", Key: "iptables-save", Message: "not available: command not found"},
		{Message: "weird line without a key"},
		{Collector: "kubeletcmd", Key: "kubeletcmd", Message: "no kubelet: process not found"},
	}, got)
}

func FuzzParseProbeLine(f *testing.F) {
	f.Add("mcr: https://mcr.microsoft.com/v2/ reachable in 120 ms (dns 5.0 ms, connect 20 ms, HTTP 200)")
	f.Add("nx: nx.example.test FAILED: dns_nxdomain: lookup: no such host (after 3.1 ms: dns 3.1 ms)")
	f.Add("t: FAILED: x: (after ")
	f.Fuzz(func(t *testing.T, line string) {
		p, err := ParseProbeLine(line)
		if err != nil {
			return
		}
		if p.Target == "" || strings.ContainsAny(p.Target, " \t") {
			t.Fatalf("target %q from %q", p.Target, line)
		}
		if !p.OK && p.Class == "" {
			t.Fatalf("a failure without a class from %q", line)
		}
	})
}

func FuzzParseErrorsLog(f *testing.F) {
	f.Add([]byte("iptables/iptables-save: not available\nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, e := range ParseErrorsLog(data) {
			if (e.Collector == "") != (e.Key == "") || strings.Contains(e.Message, "\n") {
				t.Fatalf("%+v from %q", e, data)
			}
		}
	})
}

func FuzzSplitStatus(f *testing.F) {
	f.Add("Error: dial tcp: lookup x: no such host")
	f.Add("Error: timeout: i/o timeout")
	f.Add("Connected")
	f.Fuzz(func(t *testing.T, status string) {
		ok, class, _ := splitStatus(status)
		if ok && class != "" {
			t.Fatalf("connected with class %q", class)
		}
		if class != "" && !failureClasses[class] {
			t.Fatalf("unknown class %q from %q", class, status)
		}
	})
}
