package diagnoserprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/kubefacts"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/processor/diagnoserprocessor/internal/metadata"
)

// FuzzStreamRecords feeds probe and Pod records with arbitrary attribute
// values (wrong types, empty strings, odd classes and times) through a
// whole run, rounds after its end included: the processor must neither
// panic nor drop a record, and every rule must still be judged.
func FuzzStreamRecords(f *testing.F) {
	f.Add("apiserver", "AKS API Server", true, "", "", 60.0, int64(1764374010000000000), "Running", "CrashLoopBackOff", int64(3))
	f.Add("mcr", "", false, "dns_nxdomain", "dns", 0.0, int64(0), "Pending", "", int64(-1))
	f.Add("", "x", false, "", "tls", -5.0, int64(-1), "", "ImagePullBackOff", int64(1<<40))
	f.Fuzz(func(t *testing.T, target, typ string, ok bool, class, phase string, interval float64, ts int64, podPhase, waiting string, restarts int64) {
		tracker := runcontrol.NewTracker()
		sink := new(consumertest.LogsSink)
		d := newDiagnoser(&Config{}, processortest.NewNopSettings(metadata.Type), sink, tracker)
		tracker.Expect(component.MustNewID("receiver")).Done()
		for round := range 3 {
			b := newBatch(testRunID, testNode)
			lr := b.sl.LogRecords().AppendEmpty()
			lr.SetTimestamp(pcommon.Timestamp(uint64(ts) + uint64(round)*60e9))
			a := lr.Attributes()
			a.PutStr(layout.AttrCollector, connectivityCollector)
			a.PutStr(layout.AttrItemKey, itemConnectivityProbes.Key)
			a.PutStr(attrProbeTarget, target)
			a.PutStr(attrProbeItem, typ)
			a.PutBool(attrProbeSuccess, ok != (round == 1))
			a.PutStr(attrProbeErrorType, class)
			a.PutStr(attrProbeFailed, phase)
			a.PutDouble(attrProbeInterval, interval)
			pod := layout.AppendDocument(b.sl, kubeObjectsCollector, "ns_pod_"+target, []byte(waiting), fixedNow).Attributes()
			pod.PutStr(kubefacts.Kind, "Pod")
			pod.PutStr(kubefacts.PodPhase, podPhase)
			pod.PutEmptyMap(kubefacts.WaitingReasons).PutStr(target, waiting)
			pod.PutEmptyMap(kubefacts.RestartCounts).PutInt(target, restarts)
			pod.PutEmptySlice(kubefacts.Events).AppendEmpty().SetStr(class) // not a map: ignored
			b.doc(itemConnectivityRound, "{}")
			sent := b.ld.LogRecordCount()
			before := sink.LogRecordCount()
			if err := d.ConsumeLogs(context.Background(), b.ld); err != nil {
				t.Fatal(err)
			}
			if got := sink.LogRecordCount() - before; got < sent {
				t.Fatalf("round %d: %d records in, %d out", round, sent, got)
			}
			if round == 0 {
				if err := d.endRuns(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
		}
		st := d.states[nodeRun{testRunID, testNode}]
		for i, judged := range st.judged {
			if !judged {
				t.Fatalf("%s was not judged", specs[i].Name)
			}
		}
		for _, s := range st.signals {
			if s.Code == codeRuleFailed {
				t.Fatalf("a rule panicked: %s", s.Summary)
			}
		}
	})
}
