package diagnoserprocessor

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/processor/diagnoserprocessor/internal/metadata"
)

// TestTheNodeZipHoldsTheDiagnoses wires the processor to the real periscope
// exporter on the process's tracker, as the collector does: the zip, which
// tells consumers the node's run is complete, must already hold the
// diagnoser's end-of-run items.
func TestTheNodeZipHoldsTheDiagnoses(t *testing.T) {
	dir := t.TempDir()
	ef := periscopeexporter.NewFactory()
	ecfg := ef.CreateDefaultConfig().(*periscopeexporter.Config)
	ecfg.Local.Directory = dir
	exp, err := ef.CreateLogs(context.Background(), exportertest.NewNopSettings(ef.Type()), ecfg)
	require.NoError(t, err)
	proc, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), &Config{}, exp)
	require.NoError(t, err)
	collection := runcontrol.Default.Expect(component.MustNewID("dns_config"))

	host := componenttest.NewNopHost()
	require.NoError(t, exp.Start(context.Background(), host))
	require.NoError(t, proc.Start(context.Background(), host))
	b := newBatch(testRunID, testNode)
	b.doc(itemVirtualMachine, "nameserver 8.8.8.8\n")
	require.NoError(t, proc.ConsumeLogs(context.Background(), b.ld))
	collection.Done()
	select {
	case <-runcontrol.Default.Finished():
	case <-time.After(10 * time.Second):
		t.Fatalf("the run did not finish; pending: %v", runcontrol.Default.Pending())
	}

	// The exporter zips from its own goroutine once the round is finished.
	zipPath := filepath.Join(dir, testRunID, testNode, testNode+".zip")
	require.Eventually(t, func() bool { _, err := os.Stat(zipPath); return err == nil }, 10*time.Second, 5*time.Millisecond)
	zr, err := zip.OpenReader(zipPath)
	require.NoError(t, err, "the exporter zips when the round is finished")
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	require.NoError(t, zr.Close())
	assert.Equal(t, []string{"diagnoser/diagnostics.json", "diagnoser/diagnostics.log", "diagnoser/networkconfig", "dns/virtualmachine"}, names)
	log, err := os.ReadFile(filepath.Join(dir, testRunID, testNode, "diagnostics.log"))
	require.NoError(t, err)
	assert.Contains(t, string(log), "WARN DNS_CUSTOM_NAMESERVER: the node resolves names through custom DNS server 8.8.8.8")

	// A DaemonSet keeps probing after the run's collections are done: each
	// round rewrites networkoutbound in the node folder, and the zip
	// written at shutdown holds the last one.
	for i, ok := range []bool{false, false, true} {
		b := newBatch(testRunID, testNode)
		probeRecord(b, "apiserver", "AKS API Server", fixedNow.Add(time.Duration(i)*time.Minute), ok)
		b.doc(itemConnectivityRound, "{}")
		require.NoError(t, proc.ConsumeLogs(context.Background(), b.ld))
	}
	outbound, err := os.ReadFile(filepath.Join(dir, testRunID, testNode, networkOutboundKey))
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"HostName":"`+testNode+`","Type":"AKS API Server","Start":"2026-11-28T23:53:30Z","End":"2026-11-28T23:54:30Z","Status":"Error: timeout: i/o timeout"},
		{"HostName":"`+testNode+`","Type":"AKS API Server","Start":"2026-11-28T23:55:30Z","End":"2026-11-28T23:55:30Z","Status":"Connected"}]`, string(outbound))
	log, err = os.ReadFile(filepath.Join(dir, testRunID, testNode, "diagnostics.log"))
	require.NoError(t, err)
	assert.Contains(t, string(log), "ERROR OUTBOUND_APISERVER_UNREACHABLE")
	assert.Contains(t, string(log), "INFO OUTBOUND_RECOVERED")

	require.NoError(t, proc.Shutdown(context.Background()))
	require.NoError(t, exp.Shutdown(context.Background()))
	zr, err = zip.OpenReader(zipPath)
	require.NoError(t, err)
	defer zr.Close()
	f, err := zr.Open("diagnoser/" + networkOutboundKey)
	require.NoError(t, err, "the zip written at shutdown holds networkoutbound")
	inZip, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, string(outbound), string(inZip))
}

// probeRecord appends a connectivity probe record as the receiver writes it.
func probeRecord(b *batch, target, typ string, at time.Time, ok bool) {
	lr := b.sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(at))
	a := lr.Attributes()
	a.PutStr(layout.AttrCollector, connectivityCollector)
	a.PutStr(layout.AttrItemKey, itemConnectivityProbes.Key)
	a.PutStr(layout.AttrItemKind, string(layout.KindLine))
	a.PutStr(attrProbeTarget, target)
	a.PutStr(attrProbeItem, typ)
	a.PutDouble(attrProbeInterval, 60)
	a.PutBool(attrProbeSuccess, ok)
	if !ok {
		a.PutStr(attrProbeErrorType, "timeout")
		a.PutStr(attrProbeFailed, "connect")
		a.PutStr(layout.AttrError, "i/o timeout")
	}
	lr.Body().SetStr(target + " probe")
}
