package diagnoserprocessor

import (
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Rule is one small diagnosis. Every rule is registered in the rules
// table below, the only place that knows them all (kubectl describe's
// pattern: a table of small things behind one interface, not a switch that
// grows).
//
// The processor judges a rule once per run and node: as soon as every item
// its Spec names has arrived (usable or not), or when the run's collections
// are done, with what arrived by then. A rule never sees a group of Needs
// without a usable item; a needed item that never arrived is reported as
// INSUFFICIENT_DATA, one that arrived unusable as INPUT_UNPARSABLE.
type Rule interface {
	Spec() Spec
	Judge(in *Inputs) Result
}

// Spec says what a rule reads and what it may report.
type Spec struct {
	// Name identifies the rule in "could not judge" signals.
	Name string
	// Codes are every code Judge may emit (RULES.md documents each).
	Codes []string
	// Needs are groups of alternatives, in order of preference: the rule
	// runs when each group has at least one usable item.
	Needs [][]Item
	// Uses are items read when present; the rule waits for them within the
	// run, not beyond it.
	Uses []Item
	// Repeats: judged again at every connectivity round, also after the
	// run's end (a DaemonSet probes on an interval); its documents are
	// rewritten and its keyed signals reported once each.
	Repeats bool
}

// items is every item the rule names.
func (s Spec) items() []Item {
	var all []Item
	for _, group := range s.Needs {
		all = append(all, group...)
	}
	return append(all, s.Uses...)
}

// rules is the registration table.
var rules = []Rule{
	dnsCustomNameserver{},
	dnsSearchTooLong{},
	dnsNdotsMultiplies{},
	kubeletResolvConfStub{},
	iptablesDropsClusterTraffic{},
	kubeletFlags{},
	kubeletConflicts{},
	maxPodsVsPodCIDR{},
	outboundFailures{},
	podCrashLooping,
	oomKills{},
	probeFailures{},
	podImagePullFailing,
	podPending{},
	stuckTerminating{},
	pdbBlocksDrain{},
	nodeConditions{},
	nodesCordoned{},
	networkConfig{},
	networkOutbound{},
}

// Codes the framework emits itself, for any rule.
const (
	codeInputUnparsable   = "INPUT_UNPARSABLE"
	codeInsufficientData  = "INSUFFICIENT_DATA"
	diagnoserCollector    = "diagnoser"
	diagnosticsLogKey     = "diagnostics.log"
	diagnosticsSummaryKey = "diagnostics.json"
)

// knownCodes is every code the processor can emit, sorted.
func knownCodes() []string {
	codes := []string{codeInputUnparsable, codeInsufficientData, codeRuleFailed}
	for _, r := range rules {
		codes = append(codes, r.Spec().Codes...)
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

// Result is what one judgement produced.
type Result struct {
	Signals   []Signal
	Documents []Document
}

// Document is an item the diagnoser writes (networkconfig).
type Document struct {
	Key  string
	Body []byte
}

// Severity of a signal.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityWarn
	SeverityError
)

func (s Severity) String() string {
	switch s {
	case SeverityWarn:
		return "WARN"
	case SeverityError:
		return "ERROR"
	}
	return "INFO"
}

func (s Severity) number() plog.SeverityNumber {
	switch s {
	case SeverityWarn:
		return plog.SeverityNumberWarn
	case SeverityError:
		return plog.SeverityNumberError
	}
	return plog.SeverityNumberInfo
}

// Signal is one finding.
type Signal struct {
	Severity Severity
	Code     string
	// Summary is one line: what is wrong.
	Summary string
	// Explanation says why it matters, in a few sentences.
	Explanation string
	Evidence    []Evidence
	// NextStep is what to check or change.
	NextStep string
	// key, when set, identifies the finding within the run: a signal with
	// a key already reported is not reported again (a failure window
	// judged again as it grows).
	key string
}

// Evidence points at what a signal was concluded from.
type Evidence struct {
	Item Item
	// Line in the item, 1-based; 0 when the evidence is not a line.
	Line int
	Text string
}

func (e Evidence) String() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", e.Item, e.Line, e.Text)
	}
	return fmt.Sprintf("%s: %s", e.Item, e.Text)
}

// line is the signal as one human line: SEVERITY CODE: summary — evidence.
func (s Signal) line() string {
	var b strings.Builder
	b.WriteString(s.Severity.String())
	b.WriteByte(' ')
	b.WriteString(s.Code)
	b.WriteString(": ")
	b.WriteString(s.Summary)
	for i, e := range s.Evidence {
		if i == 0 {
			b.WriteString(" — ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(e.String())
	}
	return b.String()
}
