package report

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/analyze"
	"github.com/periscope-otel/periscope/internal/atomicfile"
	"github.com/periscope-otel/periscope/internal/report"
	"github.com/periscope-otel/periscope/internal/runread"
)

// The page of a 1,000-node run: how long it takes to make (read every
// node's status.json, diagnostics.json, networkoutbound and errors, render),
// how large it is, and how long chromium takes to load it from disk
// (navigation start to the load event). Reported, not asserted:
//
//	go test -run '^$' -bench Report1000 ./test/report/
func BenchmarkReport1000Nodes(b *testing.B) {
	runDir := syntheticRun(b, 1000)
	page := filepath.Join(runDir, "report.html")
	for b.Loop() {
		run, err := runread.Open(context.Background(), []string{runDir}, "")
		require.NoError(b, err)
		p := report.Build(run, analyze.Recorded(run), report.RunFolder)
		require.NoError(b, atomicfile.Write(page, 0o644, func(w io.Writer) error { return report.Write(w, p) }))
	}
	info, err := os.Stat(page)
	require.NoError(b, err)
	b.ReportMetric(float64(info.Size()), "page-bytes")

	ctx, cancel := browser(b)
	defer cancel()
	var total float64
	const loads = 3
	for range loads {
		load(b, ctx, page, "#not-collected")
		total += eval[float64](b, ctx, `performance.getEntriesByType('navigation')[0].loadEventEnd`)
		require.Equal(b, 1000, eval[int](b, ctx, `document.querySelectorAll('#matrix-table .node').length`), "every node on the page")
	}
	b.ReportMetric(total/loads, "load-ms")
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		_ = os.WriteFile(filepath.Join(artifactDir(b), "report-1000-nodes.png"), png, 0o644)
	}
}

// syntheticRun writes a run of n nodes in this project's layout: a few kinds
// of node (healthy, custom DNS, a dropping packet filter, an unreachable
// registry) so rows and findings group as in a real cluster, each node with
// its own times and names in the evidence.
func syntheticRun(tb testing.TB, n int) string {
	tb.Helper()
	runDir := filepath.Join(tb.TempDir(), runID)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("dns/virtualmachine")
	_, _ = w.Write([]byte("nameserver 168.63.129.16\n"))
	require.NoError(tb, zw.Close())
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	type signal struct {
		Severity string   `json:"severity"`
		Code     string   `json:"code"`
		Summary  string   `json:"summary"`
		Evidence []string `json:"evidence"`
		NextStep string   `json:"nextStep"`
	}
	type win struct {
		HostName, Type, Status string
		Start, End             time.Time
	}
	targets := []string{"AKS API Server", "Internet", "Microsoft Container Registry", "Azure Container Registry", "AKS Tunnel"}
	for i := range n {
		node := fmt.Sprintf("aks-nodepool1-12345678-vmss%06d", i)
		dir := filepath.Join(runDir, node)
		require.NoError(tb, os.MkdirAll(dir, 0o755))
		signals := []signal{
			{"INFO", "INSUFFICIENT_DATA", "DNS_NDOTS_MULTIPLIES not judged: insufficient data: dns/kubernetes", []string{"dns/kubernetes: not collected in this run"}, "Add the receiver."},
			{"INFO", "KUBELET_DEPRECATED_FLAG", "the kubelet takes 2 deprecated flags that belong in its --config file", []string{"kubeletcmd/kubeletcmd: --max-pods=30 (config field maxPods)"}, "Move it."},
		}
		errs := "iptables/ip6tables-save: not available: ip6tables-save: command not found\n"
		var windows []win
		for _, t := range targets {
			windows = append(windows, win{node, t, "Connected", start, start.Add(time.Hour)})
		}
		switch {
		case i%50 == 7:
			signals = append(signals, signal{"ERROR", "IPTABLES_DROPS_CLUSTER_TRAFFIC", "the node's packet filter drops DNS from the node to Azure DNS (udp 168.63.129.16:53)",
				[]string{"iptables/iptables-save line 14: -A OUTPUT -p udp --dport 53 -j DROP"}, "Find what installed the rule."})
		case i%10 == 3:
			signals = append(signals, signal{"WARN", "DNS_CUSTOM_NAMESERVER", "the node resolves names through custom DNS server 10.1.0.4, not Azure DNS (168.63.129.16)",
				[]string{"dns/virtualmachine line 1: nameserver 10.1.0.4"}, "Check the server."})
		case i%25 == 11:
			failed := start.Add(time.Duration(i) * time.Second)
			windows[2] = win{node, targets[2], "Connected", start, failed.Add(-time.Minute)}
			windows = append(windows, win{node, targets[2], "Error: timeout: dial tcp 20.49.104.3:443: i/o timeout", failed, failed.Add(10 * time.Minute)},
				win{node, targets[2], "Connected", failed.Add(11 * time.Minute), start.Add(time.Hour)})
			signals = append(signals, signal{"WARN", "OUTBOUND_TCP_UNREACHABLE", "mcr (Microsoft Container Registry) mcr.microsoft.com:443: packets dropped (timeout) at " + failed.Format(time.RFC3339),
				[]string{"networkoutbound/connectivity.log: mcr (Microsoft Container Registry) mcr.microsoft.com:443: Error: timeout: dial tcp 20.49.104.3:443: i/o timeout at " + failed.Format(time.RFC3339)}, "Check the NSG."})
			errs += "containerlogs/containerlogs-index: container logs: /var/log/pods on " + node + " cannot be read\n"
		}
		diag, _ := json.Marshal(map[string]any{"runId": runID, "node": node, "signals": signals})
		outbound, _ := json.Marshal(windows)
		files := map[string][]byte{
			"diagnostics.json":     diag,
			"networkoutbound":      outbound,
			"periscope-errors.log": []byte(errs),
			"virtualmachine":       []byte("nameserver 168.63.129.16\nsearch reddog.microsoft.com\n"),
			"kubeletcmd":           []byte("/usr/local/bin/kubelet --max-pods=30 --node-ip=10.224.0." + fmt.Sprint(i%250) + "\n"),
			"iptables-save":        []byte(strings.Repeat("-A KUBE-SERVICES -j ACCEPT\n", 200)),
			"diagnostics.log":      []byte("INFO KUBELET_DEPRECATED_FLAG: …\n"),
			node + ".zip":          zbuf.Bytes(),
		}
		status := map[string]any{"run_id": runID, "node": node, "delivered": true, "complete": true,
			"collectors": []string{"diagnoser", "dns", "iptables", "kubeletcmd", "networkoutbound", "periscope"}}
		var items []map[string]any
		for name, data := range files {
			require.NoError(tb, os.WriteFile(filepath.Join(dir, name), data, 0o644))
			c := runread.KnownCollector(name)
			if c != "" {
				items = append(items, map[string]any{"name": name, "collector": c, "bytes": len(data)})
			}
		}
		status["items"] = items
		st, _ := json.Marshal(status)
		require.NoError(tb, os.WriteFile(filepath.Join(dir, "status.json"), st, 0o644))
	}
	cluster := filepath.Join(runDir, "cluster")
	require.NoError(tb, os.MkdirAll(cluster, 0o755))
	var top strings.Builder
	top.WriteString("NAME                                CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)\n")
	for i := range n {
		fmt.Fprintf(&top, "aks-nodepool1-12345678-vmss%06d   %dm         %d%%       %dMi          %d%%\n", i, 100+i%900, 5+i%90, 1000+i, 20+i%70)
	}
	require.NoError(tb, os.WriteFile(filepath.Join(cluster, "nodes"), []byte(top.String()), 0o644))
	return runDir
}
