package iptablesreceiver

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/iptablessave"
)

// TestRealIptablesInANetworkNamespace runs the receiver's default commands
// against the real iptables, inside a network namespace this test creates
// and removes, so the machine's own rules are neither read nor touched.
// It needs root and the iptables package; it fails, not skips, without them.
func TestRealIptablesInANetworkNamespace(t *testing.T) {
	for _, bin := range []string{"ip", "iptables", "iptables-save", "ip6tables", "ip6tables-save"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is not installed: this test runs the real iptables in its own network namespace; install it with `apt-get install -y iptables iproute2`", bin)
		}
	}
	if os.Geteuid() != 0 {
		t.Fatal("this test creates a network namespace and needs root")
	}
	ns := fmt.Sprintf("periscope-iptables-test-%d", os.Getpid())
	run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", ns).CombinedOutput(); err != nil {
			t.Errorf("delete network namespace %s: %v: %s", ns, err, out)
		}
	})
	in := func(args ...string) { run(t, append([]string{"ip", "netns", "exec", ns}, args...)...) }
	in("iptables", "-t", "nat", "-N", "KUBE-SERVICES")
	in("iptables", "-t", "nat", "-A", "PREROUTING", "-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES")
	in("iptables", "-A", "OUTPUT", "-p", "udp", "--dport", "53", "-m", "comment", "--comment", `drop "dns" \ here`, "-j", "DROP")
	in("ip6tables", "-A", "INPUT", "-p", "tcp", "--dport", "10250", "-j", "REJECT")

	cfg := createDefaultConfig().(*Config)
	prefix := []string{"ip", "netns", "exec", ns}
	cfg.Commands.NatList = append(prefix, cfg.Commands.NatList...)
	cfg.Commands.Save = append(prefix, cfg.Commands.Save...)
	cfg.Commands.Save6 = append(prefix, cfg.Commands.Save6...)
	cfg.Timeout = time.Minute
	records := collect(t, cfg).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 3, records.Len())
	byKey := map[string]plog.LogRecord{}
	for i := range records.Len() {
		lr := records.At(i)
		key, _ := lr.Attributes().Get("periscope.item.key")
		kind, _ := lr.Attributes().Get("periscope.item.kind")
		require.Equal(t, "document", kind.Str(), "item %s: %s", key.Str(), lr.Body().AsString())
		byKey[key.Str()] = lr
	}

	assert.Contains(t, byKey["iptables"].Body().Str(), "Chain KUBE-SERVICES (1 references)")

	v4, err := iptablessave.Parse([]byte(byKey["iptables-save"].Body().Str()))
	require.NoError(t, err)
	assert.Empty(t, v4.Problems)
	require.NotNil(t, v4.Table("filter"))
	drop := v4.Table("filter").Rules[0]
	port, _, _ := drop.Match("--dport")
	comment, _, _ := drop.Match("--comment")
	assert.Equal(t, []string{"OUTPUT", "DROP", "53", `drop "dns" \ here`}, []string{drop.Chain, drop.Target, port, comment})
	require.NotNil(t, v4.Table("nat"))
	assert.NotNil(t, v4.Table("nat").Chain("KUBE-SERVICES"))

	v6, err := iptablessave.Parse([]byte(byKey["ip6tables-save"].Body().Str()))
	require.NoError(t, err)
	require.NotNil(t, v6.Table("filter"))
	reject := v6.Table("filter").Rules[0]
	assert.Equal(t, []string{"INPUT", "REJECT"}, []string{reject.Chain, reject.Target})
	family, _ := byKey["ip6tables-save"].Attributes().Get("periscope.iptables.family")
	assert.Equal(t, "ipv6", family.Str())
}

func run(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(args, " "), out)
}
