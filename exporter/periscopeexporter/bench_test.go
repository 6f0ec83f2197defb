package periscopeexporter

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// BenchmarkAppendNodeLogLines measures writing filelog-style lines (the bulk
// of a run) into the layout, 1,000 lines of 120 bytes per batch.
func BenchmarkAppendNodeLogLines(b *testing.B) {
	e, err := newLayoutExporter(&Config{Local: LocalConfig{Directory: b.TempDir()}}, zap.NewNop(), runcontrol.NewTracker())
	if err != nil {
		b.Fatal(err)
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(layout.AttrRunID, "r1")
	rl.Resource().Attributes().PutStr(layout.AttrNodeName, "node")
	sl := rl.ScopeLogs().AppendEmpty()
	line := fmt.Sprintf("%0120d", 7)
	for i := range 1000 {
		lr := sl.LogRecords().AppendEmpty()
		lr.Body().SetStr(line)
		lr.Attributes().PutStr(layout.AttrCollector, "nodelogs")
		lr.Attributes().PutStr(layout.AttrFilePath, "/var/log/cloud-init.log")
		lr.Attributes().PutInt(layout.AttrFileRecordOffset, int64(i*121))
	}
	b.ReportAllocs()
	b.SetBytes(1000 * 121)
	for b.Loop() {
		if err := e.consumeLogs(context.Background(), ld); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := e.shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}
}
