// Package report tests `otelcol-periscope analyze` and the run's
// report.html through the distribution binary: runs collected by the binary
// from the e2e fixture node roots, a run in AKS Periscope's own layout, the
// page in a real browser (Debian's chromium), and blobs in Azurite.
package report

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/collectorbin"
	"github.com/periscope-otel/periscope/test/loopback"
)

var repoRoot = collectorbin.RepoRoot()

const runID = "2026-11-28T12-00-00Z"

// fixtureNodes are the e2e fixture node roots, collected as one run.
var fixtureNodes = []struct {
	node, root string
	network    bool // with the second --config that reads iptables-save and probes loopback targets
}{
	{"node-azure", "noderoot-azure", false},
	{"node-broken", "noderoot-broken-network", true},
	{"node-malformed", "noderoot-malformed", false},
	{"node-empty", "noderoot-empty", false},
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the binary in dir; the timeout only guards against a hang.
func run(t *testing.T, dir string, env map[string]string, args ...string) result {
	t.Helper()
	bin := collectorbin.Path(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"PERISCOPE_CONFIG_DIR=" + filepath.Join(dir, "no-config")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "the binary did not exit by itself:\n%s", stderr.String())
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

var collected struct {
	once sync.Once
	dir  string
	err  string
}

// collectedRun collects the fixture nodes once per test binary, one
// one-shot run each, into one output directory under one run ID; it returns
// the output directory.
func collectedRun(t *testing.T) string {
	t.Helper()
	collected.once.Do(func() {
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
		defer server.Close()
		dir, err := os.MkdirTemp("", "periscope-report-run-")
		if err != nil {
			collected.err = err.Error()
			return
		}
		collected.dir = dir
		for _, fx := range fixtureNodes {
			env := map[string]string{
				"DIAGNOSTIC_RUN_ID":         runID,
				"HOST_NODE_NAME":            fx.node,
				"PERISCOPE_ROOT_PATH":       filepath.Join(repoRoot, "test/e2e/testdata", fx.root),
				"PERISCOPE_POD_RESOLV_CONF": filepath.Join(repoRoot, "test/e2e/testdata/pod-resolv.conf"),
				"PERISCOPE_OUTPUT_DIR":      filepath.Join(dir, "periscope-output"),
			}
			args := []string{"--once"}
			if fx.network {
				env["TEST_HTTP_URL"] = server.URL + "/healthz"
				env["TEST_CLOSED_ADDR"] = loopback.ClosedAddr(t)
				args = append(args, "--config", filepath.Join(repoRoot, "distributions/local/config.yaml"),
					"--config", filepath.Join(repoRoot, "test/e2e/testdata/local-diagnose-network.yaml"))
			}
			res := run(t, dir, env, args...)
			if res.code != 0 {
				collected.err = fx.node + ": exit " + res.stderr
				return
			}
		}
	})
	if collected.err != "" {
		t.Fatalf("collecting the fixture run: %s", collected.err)
	}
	return filepath.Join(collected.dir, "periscope-output")
}

// analysis is `analyze --json`'s output.
type analysis struct {
	RunID string `json:"runId"`
	Nodes []struct {
		Node     string    `json:"node"`
		Findings []finding `json:"findings"`
		Recorded []finding `json:"recorded"`
		Problems []string  `json:"problems"`
		Notes    []string  `json:"notes"`
	} `json:"nodes"`
	Codes []struct {
		Code     string   `json:"code"`
		Severity string   `json:"severity"`
		Nodes    []string `json:"nodes"`
	} `json:"codes"`
	Problems []string `json:"problems"`
	ExitCode int      `json:"exitCode"`
}

type finding struct {
	Severity string   `json:"severity"`
	Code     string   `json:"code"`
	Summary  string   `json:"summary"`
	Evidence []string `json:"evidence"`
	NextStep string   `json:"nextStep"`
}

func analyzeJSON(t *testing.T, res result) analysis {
	t.Helper()
	var a analysis
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &a), "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	return a
}

// nodeCodes maps each node to its finding codes.
func (a analysis) nodeCodes() map[string][]string {
	out := map[string][]string{}
	for _, n := range a.Nodes {
		codes := []string{}
		for _, f := range n.Findings {
			codes = append(codes, f.Code)
		}
		sort.Strings(codes)
		out[n.Node] = codes
	}
	return out
}

// periscopeCollectors names the collector of each item of the Periscope
// fixture, as Periscope's zip names its folders (pkg/exporter/zip.go:
// <collector>/<key>; the diagnosers networkconfig and networkoutbound).
var periscopeCollectors = map[string]string{
	"virtualmachine": "dns", "kubernetes": "dns", "kubeletcmd": "kubeletcmd", "iptables": "iptables",
	"Internet": "networkoutbound", "AKS API Server": "networkoutbound", "Azure Container Registry": "networkoutbound",
	"Microsoft Container Registry": "networkoutbound", "networkoutbound": "networkoutbound",
	"networkconfig": "networkconfig", "nodes": "systemperf", "pods": "systemperf", "var_log_cloud-init.log": "nodelogs",
}

// periscopeRun copies the Periscope fixture and zips each node as Periscope
// did; node aks-nodepool1-1 keeps only its zip (items read from the zip
// alone). It returns the run folder.
func periscopeRun(t *testing.T) string {
	t.Helper()
	src := filepath.Join("testdata", "periscope-run", "2025-01-10T08-00-00Z")
	dst := filepath.Join(t.TempDir(), "2025-01-10T08-00-00Z")
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	for _, node := range []string{"aks-nodepool1-0", "aks-nodepool1-1"} {
		dir := filepath.Join(dst, node)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			collector := periscopeCollectors[e.Name()]
			require.NotEmpty(t, collector, e.Name())
			w, err := zw.Create(collector + "/" + e.Name())
			require.NoError(t, err)
			_, err = w.Write(data)
			require.NoError(t, err)
			if node == "aks-nodepool1-1" {
				require.NoError(t, os.Remove(filepath.Join(dir, e.Name())))
			}
		}
		require.NoError(t, zw.Close())
		require.NoError(t, os.WriteFile(filepath.Join(dir, node+".zip"), buf.Bytes(), 0o644))
	}
	return dst
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func joinLines(ss []string) string { return strings.Join(ss, "\n") }
