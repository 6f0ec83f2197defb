package diagnoserprocessor

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/processor/diagnoserprocessor/internal/metadata"
)

const (
	benchRecords   = 1_000_000
	benchBatchSize = 1_000 // one node's items and 990 of its log lines per batch
)

// mixedBatch is one node's batch as a run delivers it: the inputs every
// rule reads (an AKS kubenet node) among node log lines from filelog.
func mixedBatch(b *testing.B) plog.Logs {
	dump, err := os.ReadFile("../../receiver/iptablesreceiver/testdata/fixture-kubenet-aks-iptables-save.txt")
	if err != nil {
		b.Fatal(err)
	}
	bt := newBatch(testRunID, "node")
	bt.doc(itemVirtualMachine, stubResolv)
	bt.doc(itemKubeletResolv, "nameserver 10.1.0.4\nsearch a.example b.example c.example d.example\n")
	bt.doc(itemKubernetesDNS, "search default.svc.cluster.local svc.cluster.local cluster.local abc.bx.internal.cloudapp.net\nnameserver 10.0.0.10\noptions ndots:5\n")
	bt.doc(itemKubeletCmd, aksKubelet123+" --network-plugin=kubenet")
	bt.doc(itemIptablesSave, string(dump))
	bt.doc(Item{"iptables", "iptables"}, "Chain PREROUTING (policy ACCEPT)\n")
	for bt.sl.LogRecords().Len() < benchBatchSize {
		lr := bt.sl.LogRecords().AppendEmpty()
		lr.Body().SetStr("2026-11-28 23:53:30,123 - util.py[DEBUG]: Running command ['ip', 'addr'] with allowed return codes [0]")
		lr.Attributes().PutStr(layout.AttrCollector, "nodelogs")
		lr.Attributes().PutStr(layout.AttrFilePath, "/var/log/cloud-init.log")
		lr.Attributes().PutInt(layout.AttrFileRecordOffset, int64(bt.sl.LogRecords().Len()*120))
	}
	return bt.ld
}

// BenchmarkDiagnoser1MRecords: one op is a run of 1,000,000 records from
// 1,000 nodes, ended (every rule judged, summaries written). Reports
// records/s and allocs/record.
func BenchmarkDiagnoser1MRecords(b *testing.B) {
	ld := mixedBatch(b)
	node := ld.ResourceLogs().At(0).Resource().Attributes()
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		tracker := runcontrol.NewTracker()
		d := newDiagnoser(&Config{}, processortest.NewNopSettings(metadata.Type), consumertest.NewNop(), tracker)
		c := tracker.Expect(component.MustNewID("receiver"))
		for n := 0; n < benchRecords/benchBatchSize; n++ {
			node.PutStr(layout.AttrNodeName, fmt.Sprintf("node-%d", n))
			if err := d.ConsumeLogs(context.Background(), ld); err != nil {
				b.Fatal(err)
			}
		}
		c.Done()
		if err := d.endRuns(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	records := float64(benchRecords * b.N)
	b.ReportMetric(records/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/records, "allocs/record")
}
