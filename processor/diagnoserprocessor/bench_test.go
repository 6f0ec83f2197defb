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
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/kubefacts"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/processor/diagnoserprocessor/internal/metadata"
)

const (
	benchRecords   = 1_000_000
	benchBatchSize = 1_000 // one node's 35 input records and 965 of its log lines per batch
)

// mixedBatch is one node's batch as a run delivers it: the inputs every
// rule reads (an AKS kubenet node's items, a connectivity round of five
// probes, 20 pods and 2 nodes from kube_objects) among node log lines from
// filelog.
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
	// A connectivity round: five probes (two failing) and its document.
	for i, target := range []string{"internet", "apiserver", "tunnel", "acr", "mcr"} {
		lr := bt.sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(fixedNow))
		lr.Body().SetStr(target + ": https://" + target + ".example/ reachable in 12 ms")
		a := lr.Attributes()
		a.PutStr(layout.AttrCollector, connectivityCollector)
		a.PutStr(layout.AttrItemKey, itemConnectivityProbes.Key)
		a.PutStr(layout.AttrItemKind, string(layout.KindLine))
		a.PutStr(attrProbeTarget, target)
		a.PutStr(attrProbeEndpoint, "https://"+target+".example/")
		a.PutStr(attrProbeItem, "Type "+target)
		a.PutDouble(attrProbeInterval, 60)
		a.PutBool(attrProbeSuccess, i%3 != 0)
		if i%3 == 0 {
			a.PutStr(attrProbeErrorType, "dns_nxdomain")
			a.PutStr(attrProbeFailed, "dns")
			a.PutStr(layout.AttrError, "lookup "+target+".example: no such host")
		}
	}
	bt.doc(itemConnectivityRound, `{"results":[]}`)
	// kube_objects: 20 pods (one crash-looping, one Pending) and 2 nodes.
	for i := range 22 {
		lr := layout.AppendDocument(bt.sl, kubeObjectsCollector, fmt.Sprintf("default_pod_p%d", i), []byte("Name: p\nNamespace: default\n"), fixedNow)
		a := lr.Attributes()
		if i >= 20 {
			a.PutStr(kubefacts.Kind, "Node")
			a.PutStr(kubefacts.Name, fmt.Sprintf("node-%d", i))
			c := a.PutEmptySlice(kubefacts.Conditions).AppendEmpty().SetEmptyMap()
			c.PutStr("type", "Ready")
			c.PutStr("status", "True")
			a.PutEmptySlice(kubefacts.NodePodCIDRs).AppendEmpty().SetStr("10.244.0.0/24")
			continue
		}
		a.PutStr(kubefacts.Kind, "Pod")
		a.PutStr(kubefacts.Namespace, "default")
		a.PutStr(kubefacts.Name, fmt.Sprintf("p%d", i))
		phase := "Running"
		if i == 1 {
			phase = "Pending"
		}
		a.PutStr(kubefacts.PodPhase, phase)
		w := a.PutEmptyMap(kubefacts.WaitingReasons)
		if i == 0 {
			w.PutStr("app", "CrashLoopBackOff")
		}
		a.PutEmptyMap(kubefacts.RestartCounts).PutInt("app", int64(i))
		if i == 1 {
			e := a.PutEmptySlice(kubefacts.Events).AppendEmpty().SetEmptyMap()
			e.PutStr("reason", "FailedScheduling")
			e.PutStr("message", "0/3 nodes are available: 3 Insufficient memory.")
			e.PutInt("count", 3)
		}
	}
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
