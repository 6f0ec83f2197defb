package diagnoserprocessor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/periscope-otel/periscope/internal/layout"
)

const codeRuleFailed = "RULE_FAILED"

// rulesReading names the rules that read an item.
func rulesReading(it Item) []string {
	var names []string
	for i, s := range specs {
		if slices.Contains(specItems[i], it) {
			names = append(names, s.Name)
		}
	}
	return names
}

// unparsableSignal: an input arrived as an error record, or could not be read.
func unparsableSignal(in *Input, kind string) Signal {
	s := Signal{
		Severity: SeverityWarn,
		Code:     codeInputUnparsable,
		Summary:  fmt.Sprintf("%s cannot be judged: %s", in.Item, in.Reason),
		Explanation: fmt.Sprintf("The rules that read %s (%s) could not use it; they judge what else arrived, "+
			"or report nothing for it.", in.Item, strings.Join(rulesReading(in.Item), ", ")),
		Evidence: []Evidence{{Item: in.Item, Text: in.Reason}},
		NextStep: fmt.Sprintf("Open %s in the node's folder and check it is what its collector names; the "+
			"record's periscope.error attribute may say more.", in.Item.Key),
	}
	if kind == string(layout.KindError) {
		// The collection error is already in periscope-errors.log; this
		// only says which judgements it cost, and the reason once (in the
		// evidence), not twice on one diagnostics.log line.
		s.Severity = SeverityInfo
		s.Summary = fmt.Sprintf("%s cannot be judged: it was not collected", in.Item)
		s.NextStep = "See periscope-errors.log for why the item was not collected and fix that (a missing " +
			"file, a permission, a node without a kubelet); the next run judges it."
	}
	return s
}

// insufficientSignal: a rule's needed items never arrived in the run.
func insufficientSignal(spec Spec, missing []Item) Signal {
	names := make([]string, len(missing))
	evidence := make([]Evidence, len(missing))
	for i, it := range missing {
		names[i] = it.String()
		evidence[i] = Evidence{Item: it, Text: "not collected in this run"}
	}
	return Signal{
		Severity: SeverityInfo,
		Code:     codeInsufficientData,
		Summary:  fmt.Sprintf("%s not judged: insufficient data: %s", spec.Name, strings.Join(names, " or ")),
		Explanation: fmt.Sprintf("%s needs %s, which did not arrive before the run's collections ended: the "+
			"receiver that collects it is not in the logs pipeline, was disabled (COLLECTOR_LIST), or left the item "+
			"out by its configuration.", spec.Name, strings.Join(names, " or ")),
		Evidence: evidence,
		NextStep: "Add the receiver that collects the item to the logs pipeline before the diagnoser " +
			"(RULES.md lists each rule's inputs).",
	}
}

// ruleFailedSignal: a rule panicked; a defect of the rule, not of the data.
func ruleFailedSignal(spec Spec, p any) Signal {
	return Signal{
		Severity:    SeverityWarn,
		Code:        codeRuleFailed,
		Summary:     fmt.Sprintf("%s failed and was not judged: %v", spec.Name, p),
		Explanation: "The rule stopped on input it did not expect. The records passed through unchanged; only this judgement is missing.",
		NextStep:    "Report it with the run's items the rule reads (RULES.md lists them).",
	}
}
