package connectivityreceiver

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/redact"
)

// Periscope's collector name, and this receiver's own items beside
// Periscope's per-type ones.
const (
	collectorName = "networkoutbound"
	// keyProbeLog holds one human-readable line per probe (appended every
	// round, a history when collection_interval is set).
	keyProbeLog = "connectivity.log"
	// keyProbeResults holds the last round's structured results as JSON.
	keyProbeResults = "connectivity.json"
)

// Attributes of a probe's log record: the structured result.
const (
	attrTarget     = "periscope.connectivity.target"
	attrKind       = "periscope.connectivity.kind"
	attrEndpoint   = "periscope.connectivity.endpoint"
	attrSuccess    = "periscope.connectivity.success"
	attrErrorType  = "error.type"
	attrFailed     = "periscope.connectivity.failed_phase"
	attrHTTPStatus = "http.response.status_code"
	attrProxy      = "periscope.connectivity.proxy"
	attrRemoteAddr = "periscope.connectivity.remote_address"
	attrAddresses  = "periscope.connectivity.addresses"
	attrDuration   = "periscope.connectivity.duration" // + ".<phase>", seconds
	// attrPeriscopeItem is the target's Periscope item (its Type in
	// Periscope's networkoutbound), when it has one.
	attrPeriscopeItem = "periscope.connectivity.periscope_item"
	// attrInterval is the receiver's collection_interval in seconds (0:
	// once per run), so a reader of the records alone can tell a missed
	// round from the next one.
	attrInterval = "periscope.connectivity.interval"
)

// displayEndpoint is the endpoint as records show it, by the project's
// redaction policy (internal/redact): a URL's password and credential
// parameters (a SAS sig) are never exported; se, sp and the like stay, they
// explain a 403.
func displayEndpoint(s string) string { return redact.URL(s) }

// summary is the record body: one line a person reads first.
//
//	mcr: https://mcr.microsoft.com/v2/ reachable in 120 ms (dns 5 ms, connect 20 ms, tls 40 ms, HTTP 200)
//	nx: nx.example.test FAILED: dns_nxdomain: lookup nx.example.test on 10.0.0.10:53: no such host (after 3.1 ms)
func summary(r *result) string {
	var b strings.Builder
	b.WriteString(r.target.Name)
	b.WriteString(": ")
	if r.target.Endpoint != "" {
		b.WriteString(displayEndpoint(r.target.Endpoint))
		b.WriteString(" ")
	}
	details := phaseList(r)
	if r.ok() {
		verb := "reachable"
		if r.target.kind == KindDNS {
			verb = "resolved"
		}
		fmt.Fprintf(&b, "%s in %s", verb, ms(r.total))
		if r.httpStatus != 0 {
			details = append(details, "HTTP "+strconv.Itoa(r.httpStatus))
		}
		if len(r.addrs) > 0 {
			details = append(details, strings.Join(r.addrs, " "))
		}
		if r.proxy != "" {
			details = append(details, "via proxy "+r.proxy)
		}
		if len(details) > 0 {
			b.WriteString(" (" + strings.Join(details, ", ") + ")")
		}
		return b.String()
	}
	fmt.Fprintf(&b, "FAILED: %s: %s", r.class, r.err)
	if r.probed {
		b.WriteString(" (after " + ms(r.total))
		if len(details) > 0 {
			b.WriteString(": " + strings.Join(details, ", "))
		}
		b.WriteString(")")
	}
	return b.String()
}

func phaseList(r *result) []string {
	var out []string
	for p := range numPhases {
		if r.ran[p] {
			out = append(out, p.String()+" "+ms(r.phases[p]))
		}
	}
	return out
}

// ms writes a duration in milliseconds: one decimal below 10 ms, where
// loopback and LAN timings live.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
}

// appendProbeRecord adds the probe's line to connectivity.log, with the
// structured result as attributes.
func appendProbeRecord(sl plog.ScopeLogs, r *result, now time.Time, interval time.Duration) {
	lr := sl.LogRecords().AppendEmpty()
	ts := pcommon.NewTimestampFromTime(now)
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(ts)
	if r.ok() {
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
	} else {
		lr.SetSeverityNumber(plog.SeverityNumberWarn)
		lr.SetSeverityText("WARN")
	}
	lr.Body().SetStr(summary(r))
	a := lr.Attributes()
	a.PutStr(layout.AttrCollector, collectorName)
	a.PutStr(layout.AttrItemKey, keyProbeLog)
	a.PutStr(layout.AttrItemKind, string(layout.KindLine))
	a.PutStr(attrTarget, r.target.Name)
	a.PutStr(attrKind, string(r.target.kind))
	a.PutStr(attrEndpoint, displayEndpoint(r.target.Endpoint))
	a.PutBool(attrSuccess, r.ok())
	a.PutDouble(attrInterval, interval.Seconds())
	if r.target.PeriscopeItem != "" {
		a.PutStr(attrPeriscopeItem, r.target.PeriscopeItem)
	}
	if !r.ok() {
		a.PutStr(attrErrorType, string(r.class))
		a.PutStr(layout.AttrError, r.err)
		if r.probed {
			a.PutStr(attrFailed, r.failedPhase.String())
		}
	}
	if r.httpStatus != 0 {
		a.PutInt(attrHTTPStatus, int64(r.httpStatus))
	}
	if r.proxy != "" {
		a.PutStr(attrProxy, r.proxy)
	}
	if r.remoteAddr != "" {
		a.PutStr(attrRemoteAddr, r.remoteAddr)
	}
	if len(r.addrs) > 0 {
		layout.PutStrings(a, attrAddresses, r.addrs)
	}
	if r.probed {
		for p := range numPhases {
			if r.ran[p] {
				a.PutDouble(attrDuration+"."+p.String(), r.phases[p].Seconds())
			}
		}
		a.PutDouble(attrDuration+".total", r.total.Seconds())
	}
}

// periscopeDatum is Periscope's networkoutbound item, field for field.
type periscopeDatum struct {
	TimeStamp time.Time `json:"TimeStamp"`
	Type      string    `json:"Type"`
	URL       string    `json:"URL"`
	Status    string    `json:"Status"`
}

// appendPeriscopeItem writes the result as Periscope did: one document per
// target type, Status "Connected" or "Error: …" (what `az aks kollect`
// shows as a failure).
func appendPeriscopeItem(sl plog.ScopeLogs, r *result, now time.Time) {
	status := "Connected"
	if !r.ok() {
		status = fmt.Sprintf("Error: %s: %s", r.class, r.err)
	}
	data, _ := json.Marshal(periscopeDatum{ // strings and a time: cannot fail
		TimeStamp: now.Truncate(time.Second),
		Type:      r.target.PeriscopeItem,
		URL:       displayEndpoint(r.target.Endpoint),
		Status:    status,
	})
	layout.AppendDocument(sl, collectorName, r.target.PeriscopeItem, data, now)
}

// resultJSON is one entry of connectivity.json.
type resultJSON struct {
	Target        string             `json:"target"`
	Kind          Kind               `json:"kind"`
	Endpoint      string             `json:"endpoint"`
	Success       bool               `json:"success"`
	ErrorType     errorClass         `json:"error_type,omitempty"`
	Error         string             `json:"error,omitempty"`
	FailedPhase   string             `json:"failed_phase,omitempty"`
	HTTPStatus    int                `json:"http_status,omitempty"`
	Proxy         string             `json:"proxy,omitempty"`
	RemoteAddress string             `json:"remote_address,omitempty"`
	Addresses     []string           `json:"addresses,omitempty"`
	DurationsMS   map[string]float64 `json:"durations_ms,omitempty"`
	PeriscopeItem string             `json:"periscope_item,omitempty"`
}

// appendResultsDocument writes every result of the round as one JSON
// document, for readers of the files who want the structure.
func appendResultsDocument(sl plog.ScopeLogs, results []result, now time.Time) {
	out := struct {
		TimeStamp time.Time    `json:"timestamp"`
		Results   []resultJSON `json:"results"`
	}{TimeStamp: now, Results: make([]resultJSON, len(results))}
	for i := range results {
		r := &results[i]
		j := resultJSON{
			Target: r.target.Name, Kind: r.target.kind, Endpoint: displayEndpoint(r.target.Endpoint),
			Success: r.ok(), ErrorType: r.class, Error: r.err, HTTPStatus: r.httpStatus,
			Proxy: r.proxy, RemoteAddress: r.remoteAddr, Addresses: r.addrs, PeriscopeItem: r.target.PeriscopeItem,
		}
		if r.probed {
			j.DurationsMS = map[string]float64{"total": msValue(r.total)}
			for p := range numPhases {
				if r.ran[p] {
					j.DurationsMS[p.String()] = msValue(r.phases[p])
				}
			}
			if !r.ok() {
				j.FailedPhase = r.failedPhase.String()
			}
		}
		out.Results[i] = j
	}
	data, _ := json.MarshalIndent(out, "", "  ") // plain values: cannot fail
	layout.AppendDocument(sl, collectorName, keyProbeResults, append(data, '\n'), now)
}

func msValue(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
