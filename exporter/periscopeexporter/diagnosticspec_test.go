package periscopeexporter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
)

// specFixture writes items into a node folder and returns their record.
func specFixture(t *testing.T, items map[string][2]string) (string, *publish.Status) {
	t.Helper()
	dir := t.TempDir()
	st := &publish.Status{RunID: "r1", Node: "node-a", Delivered: true}
	for key, v := range items {
		require.NoError(t, os.WriteFile(filepath.Join(dir, key), []byte(v[1]), 0o644))
		st.Items = append(st.Items, publish.Item{Name: key, Collector: v[0], Bytes: int64(len(v[1]))})
		if key == diagnosticsSummaryKey {
			// As newStatus does for status.json.
			d, err := publish.ReadDiagnoses(filepath.Join(dir, key))
			require.NoError(t, err)
			st.Diagnoses = d
		}
	}
	return dir, st
}

const okOutbound = `[{"HostName":"node-a","Type":"Internet","Start":"s","End":"e","Status":"Connected"}]`

func TestNetworkOutboundGoesInOnlyInKanalyzesShape(t *testing.T) {
	tests := []struct {
		name, collector, body string
		want, problem         string
	}{
		{"valid", "diagnoser", okOutbound, okOutbound, ""},
		{"surrounding white space trimmed", "diagnoser", "\n" + okOutbound + "\n", okOutbound, ""},
		{"empty array", "diagnoser", "[]", "[]", ""},
		{"absent item", "", "", "[]", ""},
		{"same key from another collector", "networkoutbound", okOutbound, "[]", ""},
		{"element without Status", "diagnoser", `[{"HostName":"a","Status":"ok"},{"HostName":"b"}]`, "[]",
			"networkoutbound element 1 has no Status string, which az aks kanalyze needs"},
		{"Status not a string", "diagnoser", `[{"Status":3}]`, "[]", "networkoutbound element 0 has no Status string"},
		{"an object, not an array", "diagnoser", `{"Status":"ok"}`, "[]", "networkoutbound is not a JSON array of objects"},
		{"too large", "diagnoser", "[" + strings.Repeat(" ", maxSpecItemBytes) + "]", "[]", "networkoutbound is over 256 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := map[string][2]string{}
			if tt.collector != "" {
				items[networkOutboundKey] = [2]string{tt.collector, tt.body}
			}
			dir, st := specFixture(t, items)
			spec, _, problems := finishedObject("where", dir, st, time.Now())
			assert.Equal(t, tt.want, spec.NetworkOutbound)
			if tt.problem == "" {
				assert.Empty(t, problems)
				return
			}
			require.Len(t, problems, 1)
			assert.Contains(t, problems[0], tt.problem)
		})
	}
}

// status.json is written more than once per run (before and after the
// upload) with the same record: a problem found each time counts once.
func TestProblemsAreCountedOnceAcrossWrites(t *testing.T) {
	dir, st := specFixture(t, map[string][2]string{networkOutboundKey: {"diagnoser", `[{}]`}})
	for i := 0; i < 2; i++ {
		_, status, problems := finishedObject("where", dir, st, time.Now())
		for _, p := range problems {
			addStatusError(st, p)
		}
		assert.Equal(t, 1, status.Errors, "write %d", i)
		assert.Len(t, status.Messages, 1, "write %d", i)
	}
	assert.Len(t, st.Errors, 1)
}

func TestNetworkConfigMustBeOneJSONObject(t *testing.T) {
	const doc = `{"HostName":"node-a","NetworkPlugin":"kubenet","VirtualMachineDNS":[],"KubernetesDNS":[],"MaxPodsPerNode":110}`
	dir, st := specFixture(t, map[string][2]string{networkConfigKey: {"diagnoser", doc + "\n"}})
	spec, _, problems := finishedObject("where", dir, st, time.Now())
	assert.Equal(t, doc, spec.NetworkConfig)
	assert.Empty(t, problems)

	dir, st = specFixture(t, map[string][2]string{networkConfigKey: {"diagnoser", `[1]`}})
	spec, _, problems = finishedObject("where", dir, st, time.Now())
	assert.Empty(t, spec.NetworkConfig, "kanalyze would fail on it")
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], "networkconfig is not one JSON object")
}

func TestDNSSpecIsPeriscopesShape(t *testing.T) {
	tests := []struct {
		name  string
		items map[string][2]string
		want  string
	}{
		{"Azure DNS, no diagnoser", map[string][2]string{
			nodeResolvKey: {"dns", "nameserver 168.63.129.16\n"},
			podResolvKey:  {"dns", "nameserver 10.0.0.10\nsearch svc.cluster.local\n"},
		}, `[{"HostName":"node-a","Level":"host","NameServer":["168.63.129.16"],"Custom":false},` +
			`{"HostName":"node-a","Level":"container","NameServer":["10.0.0.10"]}]`},
		{"custom server, no diagnoser", map[string][2]string{
			nodeResolvKey: {"dns", "nameserver 10.1.0.4\nnameserver 168.63.129.16\n"},
		}, `[{"HostName":"node-a","Level":"host","NameServer":["10.1.0.4","168.63.129.16"],"Custom":true}]`},
		{"systemd stub: the diagnoser knows the upstream", map[string][2]string{
			nodeResolvKey:         {"dns", "nameserver 127.0.0.53\n"},
			diagnosticsSummaryKey: {"diagnoser", `{"counts":{"WARN":1},"codes":["DNS_CUSTOM_NAMESERVER"]}`},
		}, `[{"HostName":"node-a","Level":"host","NameServer":["127.0.0.53"],"Custom":true}]`},
		{"diagnoser found nothing custom", map[string][2]string{
			nodeResolvKey:         {"dns", "nameserver 10.1.0.4\n"},
			diagnosticsSummaryKey: {"diagnoser", `{"counts":{},"codes":[]}`},
		}, `[{"HostName":"node-a","Level":"host","NameServer":["10.1.0.4"],"Custom":false}]`},
		{"no dns items", map[string][2]string{}, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, st := specFixture(t, tt.items)
			spec, _, problems := finishedObject("where", dir, st, time.Now())
			assert.Empty(t, problems)
			if tt.want == "" {
				assert.Empty(t, spec.DNS)
				return
			}
			assert.JSONEq(t, tt.want, spec.DNS)
		})
	}
}

// The phase follows status.json: a delivery error is Failed with the
// latest cause even when an earlier attempt had delivered.
func TestPhaseFollowsTheRecord(t *testing.T) {
	published := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		st            publish.Status
		phase, reason string
	}{
		{"uploading", publish.Status{}, phaseUploading, ""},
		{"delivered", publish.Status{Delivered: true, Published: &published}, phaseCompleted, ""},
		{"collection errors do not fail the run", publish.Status{Delivered: true,
			Errors: []publish.Error{{Stage: publish.StageCollection, Message: "x"}}}, phaseCompleted, ""},
		{"delivery failed", publish.Status{Errors: []publish.Error{
			{Stage: publish.StageDelivery, Message: "first"},
			{Stage: publish.StageCollection, Message: "x"},
			{Stage: publish.StageDelivery, Message: "authentication failed: the SAS token expired at 2026-11-29T02:00:00Z"},
		}}, phaseFailed, "authentication failed: the SAS token expired at 2026-11-29T02:00:00Z"},
		{"long reason cut", publish.Status{Errors: []publish.Error{{Stage: publish.StageDelivery, Message: strings.Repeat("x", 3000)}}},
			phaseFailed, strings.Repeat("x", maxReasonBytes) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.RunID, tt.st.Node = "r1", "node-a"
			_, status, _ := finishedObject("where", t.TempDir(), &tt.st, published)
			assert.Equal(t, tt.phase, status.Phase)
			assert.Equal(t, tt.reason, status.Reason)
			assert.Equal(t, len(tt.st.Errors), status.Errors)
			assert.Equal(t, "2026-11-29T03:00:00Z", status.Updated)
		})
	}
}

func TestStatusMessagesAreBounded(t *testing.T) {
	st := &publish.Status{RunID: "r1", Node: "node-a", Delivered: true}
	for i := 0; i < 25; i++ {
		st.Errors = append(st.Errors, publish.Error{Stage: publish.StageCollection, Message: "e"})
	}
	_, status, _ := finishedObject("where", t.TempDir(), st, time.Now())
	assert.Len(t, status.Messages, maxStatusMessages)
	assert.Equal(t, 25, status.Errors, "the count is whole; status.json has every message")
}

func TestDiagnosticObjectConfigValidate(t *testing.T) {
	valid := defaultDiagnosticObjectConfig()
	require.NoError(t, valid.Validate())
	tests := []struct {
		name   string
		change func(c *DiagnosticObjectConfig)
		want   string
	}{
		{"namespace", func(c *DiagnosticObjectConfig) { c.Namespace = "AKS_Periscope" }, `diagnostic_object.namespace "AKS_Periscope": `},
		{"empty prefix", func(c *DiagnosticObjectConfig) { c.NamePrefix = "" }, `diagnostic_object.name_prefix "": must not be empty`},
		{"bad prefix", func(c *DiagnosticObjectConfig) { c.NamePrefix = "Diag_" }, `diagnostic_object.name_prefix "Diag_": `},
		{"timeout", func(c *DiagnosticObjectConfig) { c.Timeout = 0 }, "diagnostic_object.timeout 0s: must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultDiagnosticObjectConfig()
			tt.change(&c)
			assert.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}

func TestDiagnosticObjectsAreOnInAPodOrWithAKubeconfig(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name       string
		enabled    *bool
		kubeconfig string
		podEnv     string
		want       bool
	}{
		{"host run", nil, "", "", false},
		{"in a pod", nil, "", "10.0.0.1", true},
		{"kubeconfig given", nil, "/k", "", true},
		{"forced off in a pod", &off, "", "10.0.0.1", false},
		{"forced on outside", &on, "", "", true},
	}
	t.Run("zero section, in a pod", func(t *testing.T) {
		t.Setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
		assert.False(t, (&DiagnosticObjectConfig{}).active())
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBERNETES_SERVICE_HOST", tt.podEnv)
			c := defaultDiagnosticObjectConfig()
			c.Enabled, c.Kubeconfig = tt.enabled, tt.kubeconfig
			assert.Equal(t, tt.want, c.active())
		})
	}
}

// What building the object costs per status.json write: reading and
// checking the five items of a typical node run.
func BenchmarkFinishedObject(b *testing.B) {
	dir := b.TempDir()
	st := &publish.Status{RunID: "r1", Node: "node-a", Delivered: true}
	items := map[string][2]string{
		nodeResolvKey:         {"dns", "nameserver 168.63.129.16\nsearch abc.internal.cloudapp.net\n"},
		podResolvKey:          {"dns", "nameserver 10.0.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"},
		networkConfigKey:      {"diagnoser", `{"HostName":"node-a","NetworkPlugin":"azurecni","VirtualMachineDNS":["168.63.129.16"],"KubernetesDNS":["10.0.0.10"],"MaxPodsPerNode":30}`},
		networkOutboundKey:    {"diagnoser", "[" + strings.TrimSuffix(strings.Repeat(okOutbound[1:len(okOutbound)-1]+",", 8), ",") + "]"},
		diagnosticsSummaryKey: {"diagnoser", `{"counts":{"INFO":1,"WARN":2,"ERROR":0},"codes":["DNS_CUSTOM_NAMESERVER"]}`},
	}
	for key, v := range items {
		require.NoError(b, os.WriteFile(filepath.Join(dir, key), []byte(v[1]), 0o644))
		st.Items = append(st.Items, publish.Item{Name: key, Collector: v[0], Bytes: int64(len(v[1]))})
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, problems := finishedObject("where", dir, st, now); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

// Each count says what it counts: node and cluster items apart, the items
// not collected apart from every problem of the run, the diagnoser's
// findings as findings.
func TestStatusCountsSayWhatTheyCount(t *testing.T) {
	st := &publish.Status{RunID: "r1", Node: "node-a", Delivered: true,
		Items:        []publish.Item{{Name: "virtualmachine"}, {Name: "kubeletcmd"}, {Name: "periscope-errors.log"}},
		ClusterItems: []publish.Item{{Name: "kube-system_pod_a"}, {Name: "kube-system_pod_b"}, {Name: "helm_list"}, {Name: "pdb-default"}},
		Errors: []publish.Error{
			{Stage: publish.StageCollection, Message: "iptables/iptables: not available"},
			{Stage: publish.StageCollection, Message: "systemlogs/docker: not collected"},
			{Stage: publish.StageIncomplete, Message: "nodelogs/var_log_syslog: shrank"},
			{Stage: publish.StageDelivery, Message: "authentication failed"},
		},
		Diagnoses: &publish.Diagnoses{Error: 2, Warn: 1},
	}
	_, status, _ := finishedObject("where", t.TempDir(), st, time.Now())
	assert.Equal(t, 3, status.NodeItems)
	assert.Equal(t, 4, status.ClusterItems)
	assert.Equal(t, 2, status.NotCollected, "collection errors only")
	assert.Equal(t, 4, status.Errors, "every error of status.json")
	assert.Equal(t, "2 error, 1 warn, 0 info", status.Findings)
}
