package diagnoserprocessor

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
)

// The connectivity receiver's collector and items the outbound rules read.
const connectivityCollector = "networkoutbound"

var (
	// itemConnectivityProbes is a stream: one record per probe, with the
	// structured result as attributes.
	itemConnectivityProbes = Item{connectivityCollector, "connectivity.log"}
	// itemConnectivityRound is the round's results document, written after
	// the round's probe records: its arrival says the round is whole.
	itemConnectivityRound = Item{connectivityCollector, "connectivity.json"}
)

// Attributes of a probe record (receiver/connectivityreceiver).
const (
	attrProbeTarget     = "periscope.connectivity.target"
	attrProbeEndpoint   = "periscope.connectivity.endpoint"
	attrProbeSuccess    = "periscope.connectivity.success"
	attrProbeItem       = "periscope.connectivity.periscope_item"
	attrProbeInterval   = "periscope.connectivity.interval"
	attrProbeFailed     = "periscope.connectivity.failed_phase"
	attrProbeErrorType  = "error.type"
	attrProbeHTTPStatus = "http.response.status_code"
)

// maxWindows bounds one target's history: a DaemonSet probing a flapping
// target every minute for weeks keeps its most recent windows.
const maxWindows = 1000

// probe is one probe record, decoded.
type probe struct {
	target, typ, endpoint string
	at                    time.Time
	ok                    bool
	class, phase, message string
	httpStatus            int64
	interval              time.Duration
}

// decodeProbe reads a probe record; an error names what is missing.
func decodeProbe(lr plog.LogRecord) (probe, error) {
	attrs := lr.Attributes()
	p := probe{at: lr.Timestamp().AsTime()}
	if lr.Timestamp() == 0 {
		return p, errors.New("a probe record has no timestamp")
	}
	v, ok := attrs.Get(attrProbeTarget)
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		return p, fmt.Errorf("a probe record has no %s attribute", attrProbeTarget)
	}
	p.target = v.Str()
	v, ok = attrs.Get(attrProbeSuccess)
	if !ok || v.Type() != pcommon.ValueTypeBool {
		return p, fmt.Errorf("probe of %s: no boolean %s attribute", p.target, attrProbeSuccess)
	}
	p.ok = v.Bool()
	p.typ = p.target
	if v, ok := attrs.Get(attrProbeItem); ok && v.AsString() != "" {
		p.typ = v.AsString()
	}
	p.endpoint = attrString(attrs, attrProbeEndpoint)
	if v, ok := attrs.Get(attrProbeInterval); ok && v.Type() == pcommon.ValueTypeDouble && v.Double() > 0 {
		p.interval = time.Duration(v.Double() * float64(time.Second))
	}
	if !p.ok {
		p.class, p.phase, p.message = attrString(attrs, attrProbeErrorType), attrString(attrs, attrProbeFailed), attrString(attrs, layout.AttrError)
		if p.class == "" {
			return p, fmt.Errorf("failed probe of %s: no %s attribute", p.target, attrProbeErrorType)
		}
		if v, ok := attrs.Get(attrProbeHTTPStatus); ok && v.Type() == pcommon.ValueTypeInt {
			p.httpStatus = v.Int()
		}
	}
	return p, nil
}

func attrString(m pcommon.Map, name string) string {
	if v, ok := m.Get(name); ok {
		return v.AsString()
	}
	return ""
}

// status is Periscope's Status text: "Connected" or "Error: <class>: <message>"
// (the connectivity receiver's per-target items say the same).
func (p probe) status() string {
	if p.ok {
		return "Connected"
	}
	return "Error: " + p.class + ": " + p.message
}

// sameState says whether two probes belong in one window: both connected,
// or failed with the same class (and HTTP status). The message is not
// compared: it may hold an ephemeral port or an address that changes
// between rounds without the failure changing.
func (p probe) sameState(q probe) bool {
	return p.ok == q.ok && p.class == q.class && p.httpStatus == q.httpStatus
}

// window is consecutive probes of one target in one state.
type window struct {
	first, last probe // last: the latest probe in the window
	probes      int
}

// history is one target's windows, oldest first.
type history struct {
	target, typ, endpoint string
	windows               []window
}

// outbound is what a run's probes showed, by target in first-seen order.
type outbound struct {
	targets []*history
	byName  map[string]*history
}

// add extends the target's last window or starts a new one: the state
// changed, or more than the probe interval passed since the last probe
// (rounds were missed, or the collector was stopped).
func (o *outbound) add(p probe) {
	if o.byName == nil {
		o.byName = map[string]*history{}
	}
	h := o.byName[p.target]
	if h == nil {
		h = &history{target: p.target}
		o.byName[p.target] = h
		o.targets = append(o.targets, h)
	}
	h.typ, h.endpoint = p.typ, p.endpoint
	if n := len(h.windows); n > 0 {
		w := &h.windows[n-1]
		if !p.at.Before(w.last.at) && p.sameState(w.first) && !gapTooLong(w.last.at, p.at, p.interval) {
			w.last, w.probes = p, w.probes+1
			return
		}
	}
	if len(h.windows) == maxWindows {
		h.windows = append(h.windows[:0], h.windows[1:]...)
	}
	h.windows = append(h.windows, window{first: p, last: p, probes: 1})
}

// gapTooLong: a probe interval of 0 (once per run) never merges; rounds
// start on a ticker, so a gap up to half an interval beyond it is the
// same schedule, late.
func gapTooLong(prev, next time.Time, interval time.Duration) bool {
	if interval <= 0 {
		return true
	}
	return next.Sub(prev) > interval+interval/2
}

// probeArrived adds one probe record to the run's history; a malformed
// one passes through and is reported once per run and reason.
func (d *diagnoser) probeArrived(st *runState, lr plog.LogRecord, out *output) {
	p, err := decodeProbe(lr)
	if err != nil {
		in := &Input{Item: itemConnectivityProbes, Reason: err.Error()}
		s := unparsableSignal(in, "")
		s.key = in.Reason
		if st.inputs.items != nil && st.inputs.items[itemConnectivityProbes] == nil {
			st.inputs.items[itemConnectivityProbes] = in
		}
		d.report(st, out, s)
		return
	}
	st.inputs.outbound.add(p)
	if st.inputs.items != nil {
		if x := st.inputs.items[itemConnectivityProbes]; x == nil || !x.Usable {
			st.inputs.items[itemConnectivityProbes] = &Input{Item: itemConnectivityProbes, Usable: true}
		}
	}
}

// decodeRound accepts the round's document; its content is the probes'.
func decodeRound(lr plog.LogRecord, in *Input) error {
	_, err := bodyText(lr)
	return err
}

// timeText is how windows print times: UTC, to the second.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// span prints a window: "23:53:30Z–23:58:30Z (6 probes)".
func (w window) span() string {
	if w.probes == 1 {
		return "at " + timeText(w.first.at)
	}
	return "from " + timeText(w.first.at) + " to " + timeText(w.last.at) + " (" + strconv.Itoa(w.probes) + " probes)"
}
