package diagnoserprocessor

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
)

func TestRecordsPassThroughUnchanged(t *testing.T) {
	r := startRun(t, &Config{})
	b := newBatch(testRunID, testNode)
	b.doc(itemKubeletCmd, "/usr/bin/kubelet --network-plugin=cni\n")
	line := b.sl.LogRecords().AppendEmpty()
	line.Body().SetStr("cloud-init line")
	line.Attributes().PutStr(layout.AttrCollector, "nodelogs")
	want := plog.NewLogs()
	b.ld.CopyTo(want)

	r.consume(b.ld)
	all := r.sink.AllLogs()
	require.Len(t, all, 2, "the batch, then the signals it settled")
	assert.Equal(t, want, all[0], "the batch is forwarded as it came")
	assert.Equal(t, 2, all[0].LogRecordCount())
}

func TestSignalsGoOutAsSoonAsARuleHasItsInputs(t *testing.T) {
	r := startRun(t, &Config{})
	b := newBatch(testRunID, testNode)
	b.doc(itemKubeletCmd, "/usr/bin/kubelet --network-plugin=cni\n")
	r.consume(b.ld)
	// Before the run ends: the flag rule needs only the command line.
	assert.Equal(t, []string{"KUBELET_REMOVED_FLAG"}, r.codes())
	s := r.emitted()[0]
	assert.Equal(t, testRunID, s.Run)
	assert.Equal(t, testNode, s.Node)
	assert.Equal(t, "diagnostics.log", s.Key)
	assert.Equal(t, "line", s.Kind)
	assert.Equal(t, "WARN", s.Severity)
}

func TestRunEndReportsInsufficientDataAndWritesDocuments(t *testing.T) {
	r := startRun(t, &Config{})
	b := newBatch(testRunID, testNode)
	b.doc(itemVirtualMachine, "nameserver 168.63.129.16\n")
	r.consume(b.ld)
	r.end()

	got := r.emitted()
	var insufficient []string
	for _, o := range got {
		if o.Code == codeInsufficientData {
			insufficient = append(insufficient, o.Summary)
		}
	}
	assert.Equal(t, []string{
		"DNS_NDOTS_MULTIPLIES not judged: insufficient data: dns/kubernetes",
		"KUBELET_RESOLV_CONF_STUB not judged: insufficient data: dns/kubelet-resolv-conf or kubeletcmd/kubeletcmd",
		"IPTABLES_DROPS_CLUSTER_TRAFFIC not judged: insufficient data: iptables/iptables-save",
		"KUBELET_FLAGS not judged: insufficient data: kubeletcmd/kubeletcmd",
		"KUBELET_CONFLICTING_FLAGS not judged: insufficient data: kubeletcmd/kubeletcmd",
		"KUBELET_MAX_PODS not judged: insufficient data: kubeletcmd/kubeletcmd",
		"OUTBOUND not judged: insufficient data: networkoutbound/connectivity.log",
		"POD_CRASH_LOOPING not judged: insufficient data: kubeobjects/pods",
		"POD_OOM_KILLED not judged: insufficient data: kubeobjects/pods",
		"POD_PROBE_FAILING not judged: insufficient data: kubeobjects/pods",
		"POD_IMAGE_PULL_FAILING not judged: insufficient data: kubeobjects/pods",
		"POD_PENDING not judged: insufficient data: kubeobjects/pods",
		"POD_STUCK_TERMINATING not judged: insufficient data: kubeobjects/pods",
		"PDB_BLOCKS_DRAIN not judged: insufficient data: poddisruptionbudget/budgets",
		"NODE_CONDITIONS not judged: insufficient data: kubeobjects/nodes",
		"NODE_CORDONED not judged: insufficient data: kubeobjects/nodes",
	}, insufficient)
	assert.Nil(t, r.document("networkoutbound"), "no probes, no networkoutbound: as Periscope without its collector")

	assert.Equal(t, map[string]any{
		"HostName": testNode, "NetworkPlugin": "", "VirtualMachineDNS": []any{"168.63.129.16"},
		"KubernetesDNS": []any{}, "MaxPodsPerNode": float64(0),
	}, r.document("networkconfig"))

	summary := r.document("diagnostics.json")
	require.NotNil(t, summary)
	assert.Equal(t, testRunID, summary["runId"])
	assert.Equal(t, map[string]any{"INFO": float64(16), "WARN": float64(0), "ERROR": float64(0)}, summary["counts"])
	assert.Equal(t, []any{"INSUFFICIENT_DATA"}, summary["codes"])
	assert.Equal(t, []any{"dns/kubelet-resolv-conf", "dns/kubernetes", "iptables/iptables-save", "kubeletcmd/kubeletcmd",
		"kubeobjects/nodes", "kubeobjects/pods", "networkoutbound/connectivity.log", "poddisruptionbudget/budgets"}, summary["evidenceKeys"])
	last := got[len(got)-1]
	assert.Equal(t, "diagnostics.json", last.Key, "the summary is the run's last record")
}

func TestUnusableInputs(t *testing.T) {
	tests := []struct {
		name     string
		add      func(b *batch)
		severity string
		summary  string
	}{
		{
			name:     "error record",
			add:      func(b *batch) { b.errorItem(itemIptablesSave, "not available: iptables-save is not installed") },
			severity: "INFO",
			summary:  "iptables/iptables-save cannot be judged: it was not collected",
		},
		{
			name: "bytes body",
			add: func(b *batch) {
				b.doc(itemVirtualMachine, "").Body().SetEmptyBytes().FromRaw([]byte{0, 1, 2})
			},
			severity: "WARN",
			summary:  "dns/virtualmachine cannot be judged: the body is not text",
		},
		{
			name:     "NUL bytes in a string",
			add:      func(b *batch) { b.doc(itemIptablesSave, "*filter\x00\n") },
			severity: "WARN",
			summary:  "iptables/iptables-save cannot be judged: not an iptables-save dump: not a text file (contains NUL bytes)",
		},
		{
			name: "kubelet config without its parsed settings",
			add: func(b *batch) {
				b.doc(itemKubeletConfig, "{not json").Attributes().PutStr(layout.AttrError, "yaml: line 1: did not find expected node content")
			},
			severity: "WARN",
			summary:  "kubeletcmd/kubeletconfig cannot be judged: the kubelet config was not parsed: yaml: line 1: did not find expected node content",
		},
		{
			name:     "a map body",
			add:      func(b *batch) { b.doc(itemKubernetesDNS, "").Body().SetEmptyMap() },
			severity: "WARN",
			summary:  "dns/kubernetes cannot be judged: the body is a Map, not text",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRun(t, &Config{})
			b := newBatch(testRunID, testNode)
			tt.add(b)
			r.consume(b.ld)
			s := r.signal(codeInputUnparsable)
			require.NotNil(t, s, "emitted %v", r.codes())
			assert.Equal(t, tt.severity, s.Severity)
			assert.Equal(t, tt.summary, s.Summary)
			r.end()
			assert.Equal(t, 1, count(r.codes(), codeInputUnparsable))
			unusable, _, _ := strings.Cut(s.Evidence[0], ":")
			for _, o := range r.emitted() {
				if o.Code == codeInsufficientData {
					assert.NotContains(t, o.Summary, unusable, "an unusable item is not also missing")
				}
			}
		})
	}
}

func TestRecordsWithoutPlacePassThrough(t *testing.T) {
	r := startRun(t, &Config{})
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.LogRecords().AppendEmpty().Body().SetStr("no attributes at all")
	noKey := sl.LogRecords().AppendEmpty()
	noKey.Attributes().PutStr(layout.AttrCollector, "dns")
	intCollector := sl.LogRecords().AppendEmpty()
	intCollector.Attributes().PutInt(layout.AttrCollector, 7)
	r.consume(ld)
	assert.Equal(t, 3, r.sink.AllLogs()[0].LogRecordCount())
	assert.Empty(t, r.codes())
}

func TestRunAndNodeFromTheRecord(t *testing.T) {
	r := startRun(t, &Config{})
	b := newBatch("", "")
	for _, node := range []string{"node-a", "node-b"} {
		lr := b.doc(itemKubeletCmd, "/usr/bin/kubelet --container-runtime=remote\n")
		lr.Attributes().PutStr(layout.AttrRunID, testRunID)
		lr.Attributes().PutStr(layout.AttrNodeName, node)
	}
	r.consume(b.ld)
	var nodes []string
	for _, o := range r.emitted() {
		nodes = append(nodes, o.Node+" "+o.Code)
	}
	assert.Equal(t, []string{"node-a KUBELET_REMOVED_FLAG", "node-b KUBELET_REMOVED_FLAG"}, nodes)
}

func TestShutdownWritesTheSummaryOfARunThatNeverEnded(t *testing.T) {
	r := startRun(t, &Config{})
	b := newBatch(testRunID, testNode)
	b.doc(itemVirtualMachine, azureResolv)
	r.consume(b.ld)
	require.Nil(t, r.document("diagnostics.json"))

	require.NoError(t, r.d.Shutdown(context.Background()))
	assert.NotNil(t, r.document("diagnostics.json"))
	assert.NotNil(t, r.document("networkconfig"))
	assert.Equal(t, []string{"receiver"}, r.tracker.Pending(), "the diagnoser released the run")
}

func TestAfterTheRunEndsNothingIsJudgedAgain(t *testing.T) {
	r := startRun(t, &Config{})
	r.end()
	before := len(r.emitted())
	b := newBatch(testRunID, testNode)
	b.doc(itemKubeletCmd, "/usr/bin/kubelet --network-plugin=cni\n")
	r.consume(b.ld)
	r.consume(b.ld)
	require.NoError(t, r.d.Shutdown(context.Background()))
	// The late state gets its summary once, at shutdown.
	after := r.emitted()[before:]
	assert.Equal(t, 1, countKeys(after, "diagnostics.json"))
	assert.Equal(t, 1, count(r.codes(), "KUBELET_REMOVED_FLAG"))
}

func TestDisabledCodesAreNotReported(t *testing.T) {
	r := startRun(t, &Config{DisabledCodes: []string{"KUBELET_DEPRECATED_FLAG", codeInsufficientData}})
	b := newBatch(testRunID, testNode)
	b.doc(itemKubeletCmd, aksKubelet123)
	r.consume(b.ld)
	r.end()
	assert.Empty(t, r.codes())
	assert.Equal(t, []any{}, r.document("diagnostics.json")["codes"])
}

func TestNetworkConfigKeepsPeriscopesShape(t *testing.T) {
	tests := []struct {
		name    string
		cmdline string
		config  map[string]any
		plugin  string
		maxPods float64
	}{
		{"cni is azurecni", "/usr/bin/kubelet --network-plugin=cni --max-pods=30\n", nil, "azurecni", 30},
		{"kubenet", "/usr/bin/kubelet --network-plugin=kubenet\n", nil, "kubenet", 110},
		{"1.24+: AKS's node label", "/usr/bin/kubelet --node-labels=kubernetes.azure.com/mode=system,kubernetes.azure.com/network-plugin=azure\n", nil, "azurecni", 110},
		{"max pods from the config file", "/usr/bin/kubelet --config=/etc/kubelet.yaml\n", map[string]any{"maxPods": int64(250)}, "", 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRun(t, &Config{})
			b := newBatch(testRunID, testNode)
			b.doc(itemVirtualMachine, "nameserver 168.63.129.16\nnameserver 10.1.0.4\n")
			b.doc(itemKubernetesDNS, "nameserver 10.0.0.10\n")
			b.doc(itemKubeletCmd, tt.cmdline)
			if tt.config != nil {
				require.NoError(t, b.doc(itemKubeletConfig, "").Attributes().PutEmptyMap(attrKubeletConfig).FromRaw(tt.config))
			}
			r.consume(b.ld)
			r.end()
			assert.Equal(t, map[string]any{
				"HostName": testNode, "NetworkPlugin": tt.plugin,
				"VirtualMachineDNS": []any{"168.63.129.16", "10.1.0.4"}, "KubernetesDNS": []any{"10.0.0.10"},
				"MaxPodsPerNode": tt.maxPods,
			}, r.document("networkconfig"))
		})
	}
}

func TestKubeletFlagsAttributeIsPreferred(t *testing.T) {
	r := startRun(t, &Config{})
	b := newBatch(testRunID, testNode)
	// The body is space-joined; the attribute keeps a value with a space exactly.
	lr := b.doc(itemKubeletCmd, "/usr/bin/kubelet --node-labels=a=b c --network-plugin=cni\n")
	flags := lr.Attributes().PutEmptyMap(attrKubeletFlags)
	flags.PutStr("node-labels", "a=b c")
	flags.PutStr("network-plugin", "cni")
	r.consume(b.ld)
	s := r.signal("KUBELET_REMOVED_FLAG")
	require.NotNil(t, s)
	assert.Contains(t, s.Evidence[0], "--network-plugin=cni")
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func countKeys(records []outRecord, key string) int {
	n := 0
	for _, o := range records {
		if o.Key == key {
			n++
		}
	}
	return n
}
