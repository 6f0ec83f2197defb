// Package nodelogs runs the node-log path of the distributions in process
// (contrib filelog configured as distributions/*/config.yaml configure
// file_log/nodelogs, feeding the periscope exporter's local layout) and
// rotates a node log while it is being read, or hands it a binary file.
package nodelogs

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter"
	"github.com/periscope-otel/periscope/internal/layout"
)

const (
	runID = "2026-11-29T00-00-00Z"
	node  = "node-0"
	// nodePath is the log on the node; the item is named after it.
	nodePath = "/var/log/rotating.log"
	itemKey  = "var_log_rotating.log"
)

// pipeline is filelog → the run/node stamp → the periscope exporter.
type pipeline struct {
	root, out string
	stop      func()
}

// startPipeline starts the components as the distributions wire them:
// file_log/nodelogs with the shipped options, the resource/periscope
// stamp (done here by a consumer: the contrib resource processor only sets
// two attributes), and the periscope exporter writing the local layout.
func startPipeline(t *testing.T, extra ...map[string]any) *pipeline {
	t.Helper()
	ctx := context.Background()
	p := &pipeline{root: t.TempDir(), out: t.TempDir()}
	require.NoError(t, os.MkdirAll(filepath.Join(p.root, filepath.Dir(nodePath)), 0o755))

	ef := periscopeexporter.NewFactory()
	ecfg := ef.CreateDefaultConfig().(*periscopeexporter.Config)
	ecfg.Local.Directory = p.out
	exp, err := ef.CreateLogs(ctx, exportertest.NewNopSettings(ef.Type()), ecfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))

	stamp, err := consumer.NewLogs(func(ctx context.Context, ld plog.Logs) error {
		for i := range ld.ResourceLogs().Len() {
			attrs := ld.ResourceLogs().At(i).Resource().Attributes()
			attrs.PutStr(layout.AttrRunID, runID)
			attrs.PutStr(layout.AttrNodeName, node)
		}
		return exp.ConsumeLogs(ctx, ld)
	})
	require.NoError(t, err)

	rf := filelogreceiver.NewFactory()
	rcfg := rf.CreateDefaultConfig()
	// The options of file_log/nodelogs in distributions/*/config.yaml.
	opts := map[string]any{
		"include":                    []any{filepath.Join(p.root, nodePath)},
		"start_at":                   "beginning",
		"include_file_path":          true,
		"include_file_name":          false,
		"include_file_record_offset": true,
		"attributes": map[string]any{
			layout.AttrCollector: "nodelogs",
			layout.AttrRootPath:  p.root,
		},
	}
	for _, e := range extra {
		maps.Copy(opts, e)
	}
	require.NoError(t, confmap.NewFromStringMap(opts).Unmarshal(rcfg))
	rcv, err := rf.CreateLogs(ctx, receivertest.NewNopSettings(component.MustNewType("filelog")), rcfg, stamp)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(ctx, componenttest.NewNopHost()))

	p.stop = func() {
		assert.NoError(t, rcv.Shutdown(ctx))
		assert.NoError(t, exp.Shutdown(ctx))
	}
	t.Cleanup(func() {
		if p.stop != nil {
			p.stop()
		}
	})
	return p
}

// logPath is the node log as the collector sees it (under the root).
func (p *pipeline) logPath() string { return filepath.Join(p.root, nodePath) }

// itemPath is the item's file in the layout output.
func (p *pipeline) itemPath() string { return filepath.Join(p.out, runID, node, itemKey) }

// delivered is what the exporter wrote for the item: its lines, counted
// from the layout output itself.
func (p *pipeline) delivered(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(p.itemPath())
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// waitDelivered waits until at least n lines are in the output, then one
// more second (five of filelog's 200 ms polls) so a duplicate or a late
// line would show; it returns the output.
func (p *pipeline) waitDelivered(t *testing.T, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool { return len(p.delivered(t)) >= n }, time.Minute, 20*time.Millisecond,
		"want %d lines in the output", n)
	time.Sleep(time.Second)
	return p.delivered(t)
}

// lines are numbered, and a 60-byte tail makes each batch span several
// reads of filelog's 16 KiB buffer.
func lines(batch string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %04d %s", batch, i+1, strings.Repeat("x", 60))
	}
	return out
}

func write(t *testing.T, f io.Writer, ls ...string) {
	t.Helper()
	w := bufio.NewWriter(f)
	for _, l := range ls {
		_, err := w.WriteString(l + "\n")
		require.NoError(t, err)
	}
	require.NoError(t, w.Flush())
}

func openAppend(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	require.NoError(t, err)
	return f
}

// count maps each delivered line to how many times it was delivered.
func count(ls []string) map[string]int {
	m := map[string]int{}
	for _, l := range ls {
		m[l]++
	}
	return m
}

// assertExactlyOnce checks every wanted line was delivered once and
// nothing else was.
func assertExactlyOnce(t *testing.T, got []string, want ...[]string) {
	t.Helper()
	seen := count(got)
	total := 0
	for _, batch := range want {
		for _, l := range batch {
			total++
			assert.Equal(t, 1, seen[l], "times delivered: %.9s", l)
		}
	}
	assert.Len(t, got, total, "lines in the output")
}
