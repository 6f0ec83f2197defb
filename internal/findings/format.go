package findings

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Exit codes of analyze, by the worst finding.
const (
	ExitClean   = 0 // nothing above INFO
	ExitFailed  = 1 // nothing could be read, or a bad argument
	ExitWarn    = 2 // the worst finding is a WARN, or part of the run could not be read
	ExitError   = 3 // some finding is an ERROR
	maxNodeList = 8 // nodes named per line in the table before "and N more"
)

// ExitCode is the exit code for res.
func (res *Result) ExitCode() int {
	code := ExitClean
	if len(res.Problems) > 0 {
		code = ExitWarn
	}
	for _, n := range res.Nodes {
		if len(n.Problems) > 0 {
			code = max(code, ExitWarn)
		}
		for _, f := range n.Findings {
			switch f.Severity {
			case "ERROR":
				return ExitError
			case "WARN":
				code = max(code, ExitWarn)
			}
		}
	}
	return code
}

// Group is one code across the run's nodes.
type Group struct {
	Code     string    `json:"code"`
	Severity string    `json:"severity"`
	Nodes    []string  `json:"nodes"`
	Variants []Variant `json:"variants"`
}

// Variant is one finding that nodes share: the same summary and evidence,
// the node's own name aside.
type Variant struct {
	Finding Finding  `json:"finding"`
	Nodes   []string `json:"nodes"`
}

// Groups gathers the findings by code (worst first), and within a code the
// nodes whose findings are the same, so a thousand nodes with one problem
// read as one line.
func (res *Result) Groups() []Group {
	byCode := map[string]*Group{}
	variants := map[string]*Variant{}
	keys := map[string][]string{}
	var order []string
	for _, n := range res.Nodes {
		for _, f := range n.Findings {
			g := byCode[f.Code]
			if g == nil {
				g = &Group{Code: f.Code, Severity: f.Severity}
				byCode[f.Code] = g
				order = append(order, f.Code)
			}
			if severityRank(f.Severity) < severityRank(g.Severity) {
				g.Severity = f.Severity
			}
			if len(g.Nodes) == 0 || g.Nodes[len(g.Nodes)-1] != n.Name {
				g.Nodes = append(g.Nodes, n.Name)
			}
			key := f.Code + "\x00" + VariantKey(f, n.Name)
			v := variants[key]
			if v == nil {
				v = &Variant{Finding: f}
				variants[key] = v
				keys[f.Code] = append(keys[f.Code], key)
			}
			if len(v.Nodes) == 0 || v.Nodes[len(v.Nodes)-1] != n.Name {
				v.Nodes = append(v.Nodes, n.Name)
			}
		}
	}
	out := make([]Group, 0, len(order))
	for _, code := range order {
		g := byCode[code]
		for _, k := range keys[code] {
			g.Variants = append(g.Variants, *variants[k])
		}
		slices.SortStableFunc(g.Variants, func(a, b Variant) int { return len(b.Nodes) - len(a.Nodes) })
		out = append(out, *g)
	}
	slices.SortStableFunc(out, func(a, b Group) int {
		if d := severityRank(a.Severity) - severityRank(b.Severity); d != 0 {
			return d
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}

// VariantKey is a finding's identity across nodes: its severity, summary and
// evidence with the node's own name taken out.
func VariantKey(f Finding, node string) string {
	var b strings.Builder
	b.WriteString(f.Severity)
	for _, s := range append([]string{f.Summary}, f.Evidence...) {
		b.WriteByte(0)
		if node != "" {
			s = strings.ReplaceAll(s, node, "{node}")
		}
		b.WriteString(s)
	}
	return b.String()
}

// WriteJSON writes the result with its groups and exit code.
func (res *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		*Result
		Codes    []Group `json:"codes"`
		ExitCode int     `json:"exitCode"`
	}{res, res.Groups(), res.ExitCode()})
}

// WriteTable writes the findings grouped by code: which nodes, the
// evidence, the next step; then what could not be read.
func (res *Result) WriteTable(w io.Writer) error {
	groups := res.Groups()
	counts := map[string]int{}
	for _, g := range groups {
		counts[g.Severity]++
	}
	ew := &errWriter{w: w}
	ew.printf("run %s (%s): %d %s; %d ERROR, %d WARN, %d INFO codes\n", orDash(res.RunID), res.Where,
		len(res.Nodes), plural(len(res.Nodes), "node", "nodes"), counts["ERROR"], counts["WARN"], counts["INFO"])
	for _, g := range groups {
		ew.printf("\n%-5s %s  (%d of %d %s)\n", g.Severity, g.Code, len(g.Nodes), len(res.Nodes), plural(len(res.Nodes), "node", "nodes"))
		for _, v := range g.Variants {
			f := v.Finding
			if f.Severity == "INFO" {
				// Context, not trouble: one line each.
				ew.printf("  %s  [%s]\n", f.Summary, nodeList(v.Nodes))
				continue
			}
			ew.printf("  nodes: %s\n", nodeList(v.Nodes))
			ew.printf("  %s\n", f.Summary)
			for i, e := range f.Evidence {
				label := "evidence:"
				if i > 0 {
					label = "         "
				}
				ew.printf("    %s %s\n", label, e)
			}
			if f.NextStep != "" {
				ew.printf("    next step: %s\n", f.NextStep)
			}
		}
	}
	var problems []string
	problems = append(problems, res.Problems...)
	for _, n := range res.Nodes {
		for _, p := range n.Problems {
			problems = append(problems, n.Name+": "+p)
		}
	}
	if len(problems) > 0 {
		ew.printf("\nnot analysed:\n")
		for _, p := range problems {
			ew.printf("  %s\n", p)
		}
	}
	return ew.err
}

func nodeList(nodes []string) string {
	if len(nodes) <= maxNodeList {
		return strings.Join(nodes, ", ")
	}
	return strings.Join(nodes[:maxNodeList], ", ") + fmt.Sprintf(" and %d more", len(nodes)-maxNodeList)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
