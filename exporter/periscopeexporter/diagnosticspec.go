package periscopeexporter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
	"github.com/periscope-otel/periscope/internal/resolvconf"
)

// The items the Diagnostic object is made of, by collector and key. The
// exporter knows no collector otherwise; these names are the Diagnostic
// object's contract with the diagnoser and the dns_config receiver.
const (
	diagnoserCollector    = "diagnoser"
	networkConfigKey      = "networkconfig"
	networkOutboundKey    = "networkoutbound"
	diagnosticsSummaryKey = "diagnostics.json"
	dnsCollector          = "dns"
	nodeResolvKey         = "virtualmachine"
	podResolvKey          = "kubernetes"
	customNameserverCode  = "DNS_CUSTOM_NAMESERVER"
)

// maxSpecItemBytes bounds an item copied into the object: etcd refuses
// objects over about 1.5 MiB, and Periscope's documents are a few KiB.
const maxSpecItemBytes = 256 << 10

// maxStatusMessages bounds the error lines copied into the object's status;
// status.json has them all.
const maxStatusMessages = 10

// maxReasonBytes bounds the failure reason shown in `kubectl get apd`.
const maxReasonBytes = 2048

// Phases of a node run on its Diagnostic object.
const (
	phaseCollecting = "Collecting"
	phaseUploading  = "Uploading"
	phaseCompleted  = "Completed"
	// phaseIncomplete: delivered, but items the run set out to collect are
	// missing or partial (the reason names the first).
	phaseIncomplete = "Incomplete"
	phaseFailed     = "Failed"
)

// diagnosticSpec is the CRD's spec: three strings, each holding JSON, as
// Periscope wrote them and az aks kanalyze reads them.
type diagnosticSpec struct {
	DNS             string `json:"dns"`
	NetworkConfig   string `json:"networkconfig"`
	NetworkOutbound string `json:"networkoutbound"`
}

// diagnosticStatus is the node run's progress, shown by kubectl get apd.
// Each count says in its name what it counts (deployment/base/crd.yaml
// describes them): items of the node's folder and cluster items apart,
// items that could not be collected apart from every problem of the run,
// and the diagnoser's findings, which are about the node, not the run.
type diagnosticStatus struct {
	RunID       string `json:"runID"`
	Phase       string `json:"phase"`
	Destination string `json:"destination,omitempty"`
	// NodeItems are the items of the node's folder (<run-id>/<node>/).
	NodeItems int `json:"nodeItems"`
	// ClusterItems are the cluster-wide items this node collected for the
	// run (<run-id>/cluster/), 0 on the other nodes.
	ClusterItems int   `json:"clusterItems"`
	Bytes        int64 `json:"bytes"`
	// NotCollected are the items the run could not collect, one line each
	// in periscope-errors.log.
	NotCollected int `json:"notCollected"`
	// Errors are every entry of status.json's errors: NotCollected, files
	// collected partly, delivery and Diagnostic object problems.
	Errors   int      `json:"errors"`
	Reason   string   `json:"reason,omitempty"`
	Messages []string `json:"messages,omitempty"`
	// Findings are the diagnoser's, "<n> error, <n> warn, <n> info".
	Findings  string             `json:"findings,omitempty"`
	Diagnoser *publish.Diagnoses `json:"diagnoser,omitempty"`
	Started   string             `json:"started,omitempty"`
	Finished  string             `json:"finished,omitempty"`
	Published string             `json:"published,omitempty"`
	Updated   string             `json:"updated"`
}

// dnsLevel is one element of spec.dns, Periscope's DNS diagnoser shape
// (HostName, Level, NameServer, Custom): "host" is the node's resolv.conf,
// "container" the one pods get.
type dnsLevel struct {
	HostName   string   `json:"HostName"`
	Level      string   `json:"Level"`
	NameServer []string `json:"NameServer"`
	// Custom is set on the host level only: the node resolves through
	// servers other than Azure DNS (the diagnoser's DNS_CUSTOM_NAMESERVER,
	// else the nameserver lines). Whether pods use the cluster's own DNS
	// service cannot be told from their file alone.
	Custom *bool `json:"Custom,omitempty"`
}

// azureDNS is Azure's recursive resolver.
const azureDNS = "168.63.129.16"

// collectingStatus is the object's status when a node run starts.
func collectingStatus(runID string, started, now time.Time) diagnosticStatus {
	return diagnosticStatus{RunID: runID, Phase: phaseCollecting, Started: stamp(started), Updated: stamp(now)}
}

// finishedObject builds the spec and status from a node run's record and
// its spool folder. problems are items that could not go into the spec
// (recorded in status.json by the caller).
func finishedObject(where, dir string, st *publish.Status, now time.Time) (diagnosticSpec, diagnosticStatus, []string) {
	items := make(map[string]string, len(st.Items))
	for _, it := range st.Items {
		items[it.Name] = it.Collector
	}
	var problems []string
	problem := func(err error) {
		// One already in the record (an earlier write of the same run's
		// status.json) is counted there.
		if err != nil && !hasStatusError(st, err.Error()) {
			problems = append(problems, err.Error())
		}
	}
	var spec diagnosticSpec
	var err error
	// status.json already read the diagnoser's summary (publish.ReadDiagnoses)
	// and recorded there why, when it could not.
	summary := st.Diagnoses
	if items[networkConfigKey] == diagnoserCollector {
		spec.NetworkConfig, err = readNetworkConfig(filepath.Join(dir, networkConfigKey))
		problem(err)
	}
	// An empty array, not an empty string, when there is nothing: kanalyze
	// waits for both strings, so the node's network config still shows.
	spec.NetworkOutbound = "[]"
	if items[networkOutboundKey] == diagnoserCollector {
		out, err := readNetworkOutbound(filepath.Join(dir, networkOutboundKey))
		problem(err)
		if err == nil {
			spec.NetworkOutbound = out
		}
	}
	spec.DNS, err = dnsSpec(st.Node, dir, items, summary)
	problem(err)

	status := diagnosticStatus{
		RunID:        st.RunID,
		Destination:  where,
		NodeItems:    len(st.Items),
		ClusterItems: len(st.ClusterItems),
		Bytes:        st.TotalBytes,
		Started:      stamp(st.Started),
		Finished:     stamp(st.Finished),
		Updated:      stamp(now),
		Diagnoser:    summary,
	}
	if st.Published != nil {
		status.Published = stamp(*st.Published)
	}
	if summary != nil {
		status.Findings = fmt.Sprintf("%d error, %d warn, %d info", summary.Error, summary.Warn, summary.Info)
	}
	status.Phase, status.Reason = phaseOf(st)
	status.Errors = len(st.Errors) + len(problems)
	for _, e := range st.Errors {
		if e.Stage == publish.StageCollection {
			status.NotCollected++
		}
	}
	for _, e := range st.Errors {
		status.Messages = appendMessage(status.Messages, e.Stage+": "+e.Message)
	}
	for _, p := range problems {
		status.Messages = appendMessage(status.Messages, stageDiagnosticObject+": "+p)
	}
	return spec, status, problems
}

// phaseOf reads a record: a delivery error is Failed with its cause (the
// store removes SAS secrets from it), delivered is Completed, or
// Incomplete with the first item it lacks, otherwise the upload is under
// way.
func phaseOf(st *publish.Status) (phase, reason string) {
	for i := len(st.Errors) - 1; i >= 0; i-- {
		if st.Errors[i].Stage == publish.StageDelivery {
			return phaseFailed, truncate(st.Errors[i].Message, maxReasonBytes)
		}
	}
	if !st.Delivered {
		return phaseUploading, ""
	}
	for _, e := range st.Errors {
		if e.Stage == publish.StageIncomplete {
			return phaseIncomplete, truncate(e.Message, maxReasonBytes)
		}
	}
	return phaseCompleted, ""
}

func appendMessage(msgs []string, m string) []string {
	if len(msgs) >= maxStatusMessages {
		return msgs
	}
	return append(msgs, truncate(m, maxReasonBytes))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// readItem reads an item for the spec, refusing one too large for an
// object.
func readItem(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s for the Diagnostic object: %w", filepath.Base(path), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSpecItemBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s for the Diagnostic object: %w", filepath.Base(path), err)
	}
	if len(data) > maxSpecItemBytes {
		return nil, fmt.Errorf("%s is over %d KiB, too large for the Diagnostic object; it is in the node's folder", filepath.Base(path), maxSpecItemBytes>>10)
	}
	return bytes.TrimSpace(data), nil
}

// readNetworkConfig is the diagnoser's networkconfig document: one JSON
// object (kanalyze parses it as "[" + text + "]").
func readNetworkConfig(path string) (string, error) {
	data, err := readItem(path)
	if err != nil {
		return "", err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return "", fmt.Errorf("networkconfig is not one JSON object, left out of the Diagnostic object: %w", err)
	}
	return string(data), nil
}

// readNetworkOutbound is the diagnoser's networkoutbound document: a JSON
// array of {HostName, Type, Start, End, Status}. kanalyze reads every
// element's Status (a missing one crashes it), so a document without one
// is left out, naming the element.
func readNetworkOutbound(path string) (string, error) {
	data, err := readItem(path)
	if err != nil {
		return "", err
	}
	var elems []map[string]json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		return "", fmt.Errorf("networkoutbound is not a JSON array of objects, left out of the Diagnostic object: %w", err)
	}
	for i, e := range elems {
		var status string
		raw, ok := e["Status"]
		if !ok || json.Unmarshal(raw, &status) != nil {
			return "", fmt.Errorf("networkoutbound element %d has no Status string, which az aks kanalyze needs; left out of the Diagnostic object", i)
		}
	}
	return string(data), nil
}

// dnsSpec is spec.dns: the nameservers of the node's and the pods'
// resolv.conf, empty when the dns collector delivered neither.
func dnsSpec(node, dir string, items map[string]string, summary *publish.Diagnoses) (string, error) {
	var levels []dnsLevel
	var errs []error
	for _, lv := range []struct{ key, level string }{{nodeResolvKey, "host"}, {podResolvKey, "container"}} {
		if items[lv.key] != dnsCollector {
			continue
		}
		data, err := readItem(filepath.Join(dir, lv.key))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Problems on some lines still leave the good nameservers.
		conf, _ := resolvconf.Parse(data)
		l := dnsLevel{HostName: node, Level: lv.level, NameServer: []string{}}
		if conf != nil {
			l.NameServer = append(l.NameServer, conf.Nameservers...)
		}
		if lv.level == "host" {
			custom := hasCustomNameserver(l.NameServer)
			if summary != nil {
				custom = slices.Contains(summary.Codes, customNameserverCode)
			}
			l.Custom = &custom
		}
		levels = append(levels, l)
	}
	if len(levels) == 0 {
		return "", errors.Join(errs...)
	}
	body, err := json.Marshal(levels)
	if err != nil {
		return "", errors.Join(append(errs, fmt.Errorf("encode spec.dns: %w", err))...)
	}
	return string(body), errors.Join(errs...)
}

// hasCustomNameserver: a server that is neither Azure DNS nor a local
// stub. Without the diagnoser's verdict a stub's upstream is not known.
func hasCustomNameserver(servers []string) bool {
	for _, s := range servers {
		a, err := netip.ParseAddr(s)
		if s != azureDNS && (err != nil || !a.IsLoopback()) {
			return true
		}
	}
	return false
}
