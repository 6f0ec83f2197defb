package analyze

import (
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
)

// The connectivity receiver's records (its README): a probe per target per
// round in connectivity.log, the round's results in connectivity.json.
// The items keep each probe's line but not its time, phase or interval;
// the diagnoser's networkoutbound document keeps each target's windows
// (state, first and last time). Together they give back the probes: each
// window's probes are the target's lines in it, spread from its start to
// its end, rounds in the order the lines were written.
const (
	outboundCollector = "networkoutbound"
	probesKey         = "connectivity.log"
	roundKey          = "connectivity.json"
	windowsKey        = "networkoutbound"

	attrProbeTarget   = "periscope.connectivity.target"
	attrProbeKind     = "periscope.connectivity.kind"
	attrProbeEndpoint = "periscope.connectivity.endpoint"
	attrProbeSuccess  = "periscope.connectivity.success"
	attrProbeItem     = "periscope.connectivity.periscope_item"
	attrProbeInterval = "periscope.connectivity.interval"
	attrProbeFailed   = "periscope.connectivity.failed_phase"
	attrProbeClass    = "error.type"
)

// Periscope's targets by their item (Type), as the connectivity receiver names them.
var periscopeTargets = map[string]string{
	"Internet": "internet", "AKS API Server": "apiserver", "AKS Tunnel": "tunnel",
	"Azure Container Registry": "acr", "Microsoft Container Registry": "mcr",
}

// window is one element of Periscope's networkoutbound array.
type window struct {
	HostName string    `json:"HostName"`
	Type     string    `json:"Type"`
	Start    time.Time `json:"Start"`
	End      time.Time `json:"End"`
	Status   string    `json:"Status"`
}

// periscopeDatum is a per-type networkoutbound item.
type periscopeDatum struct {
	TimeStamp time.Time `json:"TimeStamp"`
	Type      string    `json:"Type"`
	URL       string    `json:"URL"`
	Status    string    `json:"Status"`
}

// roundResult is one entry of connectivity.json.
type roundResult struct {
	Target        string `json:"target"`
	Kind          string `json:"kind"`
	Endpoint      string `json:"endpoint"`
	ErrorType     string `json:"error_type"`
	FailedPhase   string `json:"failed_phase"`
	PeriscopeItem string `json:"periscope_item"`
}

// rebuiltProbe is one probe record to emit.
type rebuiltProbe struct {
	target, typ, endpoint, kind string
	at                          time.Time
	ok                          bool
	class, phase, message       string
	first                       bool // the window's first probe
	round                       int
}

type connectivity struct{}

func (connectivity) build(n *nodeInputs, sl plog.ScopeLogs) error {
	windows, err := readJSON[[]window](n, windowsKey)
	if err != nil {
		n.notes = append(n.notes, "networkoutbound: "+err.Error())
	}
	round, _ := readJSON[struct {
		Results []roundResult `json:"results"`
	}](n, roundKey)
	byTarget := map[string]roundResult{}
	typeTarget := map[string]string{}
	for _, r := range round.Results {
		byTarget[r.Target] = r
		if r.PeriscopeItem != "" {
			typeTarget[r.PeriscopeItem] = r.Target
		}
	}
	linesData, err := n.read(outboundCollector, probesKey)
	if err != nil {
		return err
	}
	var lines []ProbeLine
	for _, l := range strings.Split(string(linesData), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		p, err := ParseProbeLine(l)
		if err != nil {
			n.notes = append(n.notes, "connectivity.log: "+err.Error())
			continue
		}
		lines = append(lines, p)
	}
	if len(windows) == 0 {
		windows = perTypeWindows(n)
	}
	if len(windows) == 0 {
		return nil
	}
	probes := rebuildProbes(windows, lines, typeTarget, byTarget, n)
	if len(probes) == 0 {
		return nil
	}
	body, _ := n.read(outboundCollector, roundKey)
	if len(body) == 0 {
		body = []byte("{}")
	}
	last := -1
	for _, p := range probes {
		if p.round != last && last >= 0 {
			layout.AppendDocument(sl, outboundCollector, roundKey, body, n.now)
		}
		last = p.round
		appendProbe(sl, p)
	}
	layout.AppendDocument(sl, outboundCollector, roundKey, body, n.now)
	return nil
}

// readJSON decodes a node's item of that key (any collector); zero when absent.
func readJSON[T any](n *nodeInputs, key string) (T, error) {
	var v T
	data, err := n.read("", key)
	if err != nil || data == nil {
		return v, err
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, errors.New("not Periscope's JSON: " + err.Error())
	}
	return v, nil
}

// perTypeWindows reads Periscope's per-type items (one probe each) when no
// windows document is there (a Periscope run without its diagnoser's).
func perTypeWindows(n *nodeInputs) []window {
	var out []window
	for _, it := range n.node.Items {
		if it.Collector != outboundCollector || it.Key == probesKey || it.Key == roundKey || it.Key == windowsKey {
			continue
		}
		data, err := it.Read(maxItemBytes)
		if err != nil {
			continue
		}
		var d periscopeDatum
		if json.Unmarshal(data, &d) != nil || d.Type == "" || d.Status == "" {
			continue
		}
		out = append(out, window{Type: d.Type, Start: d.TimeStamp, End: d.TimeStamp, Status: d.Status + "\x00" + d.URL})
	}
	return out
}

// rebuildProbes gives each window its probes: the target's lines, matched
// from the newest (the diagnoser keeps the newest windows), in rounds.
func rebuildProbes(windows []window, lines []ProbeLine, typeTarget map[string]string, byTarget map[string]roundResult, n *nodeInputs) []rebuiltProbe {
	// Rounds: a line of a target already seen in the round starts the next.
	rounds := make([]int, len(lines))
	seen := map[string]bool{}
	r := 0
	for i, l := range lines {
		if seen[l.Target] {
			r++
			clear(seen)
		}
		seen[l.Target] = true
		rounds[i] = r
	}
	linesOf := map[string][]int{}
	for i, l := range lines {
		linesOf[l.Target] = append(linesOf[l.Target], i)
	}
	var order []string
	winsOf := map[string][]window{}
	for _, w := range windows {
		if _, ok := winsOf[w.Type]; !ok {
			order = append(order, w.Type)
		}
		winsOf[w.Type] = append(winsOf[w.Type], w)
	}
	var out []rebuiltProbe
	for _, typ := range order {
		target := typeTarget[typ]
		if target == "" {
			if _, ok := linesOf[typ]; ok {
				target = typ
			} else if t, ok := periscopeTargets[typ]; ok {
				target = t
			} else {
				target = typ
			}
		}
		wins := winsOf[typ]
		idx := linesOf[target]
		for wi := len(wins) - 1; wi >= 0; wi-- {
			w := wins[wi]
			status, url, _ := strings.Cut(w.Status, "\x00")
			ok, class, message := splitStatus(status)
			var mine []int
			if len(linesOf[target]) > 0 {
				// Take the newest lines in this window's state; a window of
				// the same state before it (a gap split them) gets the rest.
				for len(idx) > 0 {
					l := lines[idx[len(idx)-1]]
					if l.OK != ok || (!ok && l.Class != class) {
						break
					}
					mine = append([]int{idx[len(idx)-1]}, mine...)
					idx = idx[:len(idx)-1]
					if wi > 0 && sameStatus(wins[wi-1].Status, status) {
						break
					}
				}
				if len(mine) == 0 {
					break // older windows than the lines go back to
				}
			}
			count := len(mine)
			if count == 0 {
				count = 1
				if !w.End.Equal(w.Start) {
					count = 2
				}
			}
			res := byTarget[target]
			for j := range count {
				p := rebuiltProbe{target: target, typ: typ, at: spread(w.Start, w.End, j, count), ok: ok,
					class: class, message: message, first: j == 0, kind: res.Kind, endpoint: res.Endpoint}
				if url != "" {
					p.endpoint = url
				}
				var line *ProbeLine
				if j < len(mine) {
					line = &lines[mine[j]]
					p.round = rounds[mine[j]]
					p.endpoint = line.Endpoint
				}
				if !ok {
					p.phase = failedPhase(class, res, line, p.endpoint)
				}
				out = append(out, p)
			}
		}
	}
	// Emit in the order the receiver did: by round, then line by line.
	slices.SortStableFunc(out, func(a, b rebuiltProbe) int {
		if a.round != b.round {
			return a.round - b.round
		}
		return a.at.Compare(b.at)
	})
	return out
}

func sameStatus(a, b string) bool {
	okA, classA, _ := splitStatus(strings.SplitN(a, "\x00", 2)[0])
	okB, classB, _ := splitStatus(strings.SplitN(b, "\x00", 2)[0])
	return okA == okB && classA == classB
}

// spread places probe j of count between start and end.
func spread(start, end time.Time, j, count int) time.Time {
	if count <= 1 || j == 0 {
		return start
	}
	if j == count-1 {
		return end
	}
	return start.Add(end.Sub(start) * time.Duration(j) / time.Duration(count-1))
}

// failureClasses are the connectivity receiver's classes (its README).
var failureClasses = map[string]bool{
	"dns_nxdomain": true, "dns": true, "timeout": true, "connection_refused": true, "connection_reset": true,
	"connect": true, "tls_unknown_authority": true, "tls_certificate": true, "tls_handshake": true,
	"http_status": true, "http": true, "proxy": true, "canceled": true, "not_configured": true, "not_probed": true,
}

// splitStatus reads a window's Status: "Connected", this project's
// "Error: <class>: <message>", or Periscope's "Error: <Go error>", whose
// class is told from the error's words (classify).
func splitStatus(status string) (ok bool, class, message string) {
	if status == "Connected" {
		return true, "", ""
	}
	rest := strings.TrimPrefix(status, "Error: ")
	if c, m, found := strings.Cut(rest, ": "); found && failureClasses[c] {
		return false, c, m
	}
	return false, Classify(rest), rest
}

// Classify names the failure class of a Go dial error as Periscope wrote it
// ("dial tcp: lookup mcr.microsoft.com: no such host"); "" when the words
// say no class for sure.
func Classify(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "no such host"):
		return "dns_nxdomain"
	case strings.Contains(m, "i/o timeout"), strings.Contains(m, "deadline exceeded"):
		return "timeout"
	case strings.Contains(m, "lookup "):
		return "dns"
	case strings.Contains(m, "connection refused"):
		return "connection_refused"
	case strings.Contains(m, "connection reset"):
		return "connection_reset"
	case strings.Contains(m, "no route to host"), strings.Contains(m, "network is unreachable"):
		return "connect"
	}
	return ""
}

// failedPhase is where a probe stopped: connectivity.json says it for the
// last round; else the phase after the last one the line names as done;
// a Periscope error says "lookup" in the dns phase.
func failedPhase(class string, res roundResult, line *ProbeLine, endpoint string) string {
	if res.ErrorType == class && res.FailedPhase != "" {
		return res.FailedPhase
	}
	if res.Kind == "dns" {
		return "dns"
	}
	phases := []string{"dns", "connect", "tls", "http"}
	if line != nil && len(line.Phases) > 0 {
		last := slices.Index(phases, line.Phases[len(line.Phases)-1])
		if last >= 0 && last+1 < len(phases) {
			return phases[last+1]
		}
	}
	if line == nil && strings.Contains(class, "dns") {
		return "dns"
	}
	host := endpoint
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		host = u.Hostname()
	} else if h, _, err := net.SplitHostPort(endpoint); err == nil {
		host = h
	}
	if net.ParseIP(host) != nil {
		return "connect"
	}
	if line == nil && class == "timeout" {
		return "connect"
	}
	return "dns"
}

func appendProbe(sl plog.ScopeLogs, p rebuiltProbe) {
	lr := sl.LogRecords().AppendEmpty()
	ts := pcommon.NewTimestampFromTime(p.at)
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(ts)
	a := lr.Attributes()
	a.PutStr(layout.AttrCollector, outboundCollector)
	a.PutStr(layout.AttrItemKey, probesKey)
	a.PutStr(layout.AttrItemKind, string(layout.KindLine))
	a.PutStr(attrProbeTarget, p.target)
	if p.kind != "" {
		a.PutStr(attrProbeKind, p.kind)
	}
	a.PutStr(attrProbeEndpoint, p.endpoint)
	a.PutBool(attrProbeSuccess, p.ok)
	if p.typ != p.target {
		a.PutStr(attrProbeItem, p.typ)
	}
	// The windows are known: a window's first probe never joins the one
	// before (interval 0), the others always join theirs.
	if p.first {
		a.PutDouble(attrProbeInterval, 0)
	} else {
		a.PutDouble(attrProbeInterval, (1000 * time.Hour).Seconds())
	}
	if !p.ok {
		if p.class != "" {
			a.PutStr(attrProbeClass, p.class)
		}
		a.PutStr(layout.AttrError, p.message)
		a.PutStr(attrProbeFailed, p.phase)
	}
}

// ProbeLine is one line of connectivity.log.
type ProbeLine struct {
	Target, Endpoint string
	OK               bool
	Class, Message   string
	// Phases done, in order (dns, connect, tls, http).
	Phases []string
}

// ParseProbeLine reads a connectivity.log line:
//
//	mcr: https://mcr.microsoft.com/v2/ reachable in 120 ms (dns 5.0 ms, connect 20 ms, tls 40 ms, http 55 ms, HTTP 200)
//	nx: nx.example.test FAILED: dns_nxdomain: lookup nx.example.test: no such host (after 3.1 ms: dns 3.1 ms)
func ParseProbeLine(line string) (ProbeLine, error) {
	var p ProbeLine
	target, rest, ok := strings.Cut(strings.TrimRight(line, "\r"), ": ")
	if !ok || target == "" || strings.ContainsAny(target, " \t") {
		return p, errors.New("not a probe line: no target: " + clip(line))
	}
	p.Target = target
	if before, after, found := cutWord(rest, "FAILED: "); found {
		p.Endpoint = strings.TrimSpace(before)
		class, msg, ok := strings.Cut(after, ": ")
		if !ok || class == "" || strings.ContainsAny(class, " \t") {
			return p, errors.New("probe of " + target + ": no failure class: " + clip(line))
		}
		p.Class, p.Message = class, msg
		if i := strings.LastIndex(msg, " (after "); i >= 0 && strings.HasSuffix(msg, ")") {
			p.Message = msg[:i]
			details := msg[i+len(" (after ") : len(msg)-1]
			if _, list, ok := strings.Cut(details, ": "); ok {
				p.Phases = phaseNames(list)
			}
		}
		return p, nil
	}
	for _, verb := range []string{"reachable in ", "resolved in "} {
		if before, after, found := cutWord(rest, verb); found {
			p.Endpoint, p.OK = strings.TrimSpace(before), true
			if i := strings.Index(after, " ("); i >= 0 && strings.HasSuffix(after, ")") {
				p.Phases = phaseNames(after[i+2 : len(after)-1])
			}
			return p, nil
		}
	}
	return p, errors.New("probe of " + target + ": neither reachable nor FAILED: " + clip(line))
}

// cutWord cuts s at word, which starts s or follows a space.
func cutWord(s, word string) (before, after string, found bool) {
	if strings.HasPrefix(s, word) {
		return "", s[len(word):], true
	}
	if i := strings.Index(s, " "+word); i >= 0 {
		return s[:i], s[i+1+len(word):], true
	}
	return s, "", false
}

// phaseNames keeps the phase names of "dns 5.0 ms, connect 20 ms, HTTP 200".
func phaseNames(list string) []string {
	var out []string
	for _, part := range strings.Split(list, ", ") {
		name, _, _ := strings.Cut(part, " ")
		switch name {
		case "dns", "connect", "tls", "http":
			out = append(out, name)
		}
	}
	return out
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
