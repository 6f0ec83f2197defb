// Package iptablessave parses the output of iptables-save and ip6tables-save:
// tables, chains with their policies and counters, and rules with their line
// numbers, chain, target and match arguments.
//
// Hand-written on purpose: nobody ships a Go parser for this format. The
// iptables Go bindings (coreos/go-iptables) run the iptables binary per chain
// and list rules as strings; kube-proxy's internal reader only extracts chain
// names. A troubleshooting tool needs the whole dump, every rule tied to the
// line it came from, and a report of what is wrong with the dump itself (a
// rule for a chain never declared, a table without COMMIT because the output
// was cut), so a diagnosis can quote the line. Parse never fails on odd
// content; it reports Problems and keeps going, as far as the format allows.
//
// Every string in the result (raw lines, chain names, arguments) shares the
// memory of one copy of the input, so parsing allocates per table and per
// chain but not per rule or per token (a quoted argument with escapes is the
// exception).
package iptablessave

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrBinary is returned for content that is not a text file.
var ErrBinary = errors.New("not a text file (contains NUL bytes)")

// Dump is one iptables-save output: every table in file order.
type Dump struct {
	Tables []Table
	// Problems are lines iptables-restore would refuse or read differently,
	// and tables cut short.
	Problems []Problem
}

// Table is one "*name … COMMIT" block.
type Table struct {
	Name string
	// Line is the line of "*name"; CommitLine that of its COMMIT, 0 when the
	// dump ends before it (truncated output).
	Line, CommitLine int
	// Chains in declaration order: built-in chains first, as iptables-save
	// writes them, then user-defined ones.
	Chains []Chain
	// Rules in file order (the order iptables evaluates them within a chain).
	Rules []Rule
}

// Chain is one ":NAME POLICY [packets:bytes]" declaration.
type Chain struct {
	Name string
	// Policy is ACCEPT or DROP for a built-in chain; "-" for a user-defined one.
	Policy         string
	Packets, Bytes uint64
	Line           int
	HasCounters    bool
}

// BuiltIn reports whether the chain has a policy, which only built-in chains have.
func (c Chain) BuiltIn() bool { return c.Policy != "-" }

// Rule is one "-A CHAIN …" line.
type Rule struct {
	Line int
	// Raw is the line as written (without the line break).
	Raw string
	// Chain is the chain the rule is appended to.
	Chain string
	// Matches are the arguments before the target, unquoted: protocol,
	// addresses, interfaces, "-m module" and the module's options, with "!"
	// kept as its own argument before what it negates.
	Matches []string
	// Target is the value of -j (or -g, see Goto); empty for a rule that only
	// counts.
	Target string
	// Goto is set when the rule jumps with -g (no return to this chain).
	Goto bool
	// TargetArgs are the target's options (--to-destination, --reject-with…).
	TargetArgs []string
	// Packets and Bytes are the rule's counters when the dump was written with
	// iptables-save -c ("[packets:bytes] -A …").
	Packets, Bytes uint64
	HasCounters    bool
}

// Match returns the value following a match option (Match("--dport") is "53"
// for "-p udp -m udp --dport 53") and whether it is negated by a "!" before
// the option. ok is false when the rule does not have the option; an option
// without a value (--syn) has value "".
func (r *Rule) Match(option string) (value string, negated, ok bool) {
	for i, a := range r.Matches {
		if a != option {
			continue
		}
		negated = i > 0 && r.Matches[i-1] == "!"
		if i+1 < len(r.Matches) && !isOption(r.Matches[i+1]) && r.Matches[i+1] != "!" {
			value = r.Matches[i+1]
		}
		return value, negated, true
	}
	return "", false, false
}

// isOption reports whether an argument starts an option (-p, --dport); a
// negative number or a lone "-" does not.
func isOption(a string) bool {
	return len(a) > 1 && a[0] == '-' && (a[1] < '0' || a[1] > '9')
}

// Chain returns the table's declaration of a chain, or nil.
func (t *Table) Chain(name string) *Chain {
	for i := range t.Chains {
		if t.Chains[i].Name == name {
			return &t.Chains[i]
		}
	}
	return nil
}

// Table returns the named table, or nil.
func (d *Dump) Table(name string) *Table {
	for i := range d.Tables {
		if d.Tables[i].Name == name {
			return &d.Tables[i]
		}
	}
	return nil
}

// RuleCount is the number of rules in every table.
func (d *Dump) RuleCount() int {
	n := 0
	for _, t := range d.Tables {
		n += len(t.Rules)
	}
	return n
}

// Problem is one line that iptables-restore would refuse or that shows the
// dump is incomplete.
type Problem struct {
	Line int    // 1-based line number
	Msg  string // what is wrong with it
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// Parse reads iptables-save output. It fails only on binary content.
func Parse(data []byte) (*Dump, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, ErrBinary
	}
	p := newParser(data)
	p.run()
	return &p.dump, nil
}

// parser holds the state of one Parse. rules and args are shared by every
// table: each table's Rules and each rule's arguments are sub-slices of them,
// sized up front from the input so they rarely grow.
type parser struct {
	src    string
	dump   Dump
	rules  []Rule
	args   []string
	cur    *Table // the open table, nil between COMMIT and the next *table
	first  int    // index in rules of the open table's first rule
	chains map[string]int
	line   int
}

func newParser(data []byte) *parser {
	lines := bytes.Count(data, []byte{'\n'}) + 1
	return &parser{
		src:   string(data),
		rules: make([]Rule, 0, lines),
		args:  make([]string, 0, bytes.Count(data, []byte{' '})+1),
	}
}

func (p *parser) run() {
	rest := p.src
	for len(rest) > 0 {
		p.line++
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		p.parseLine(strings.TrimSuffix(line, "\r"))
	}
	if p.cur != nil {
		p.problem(p.cur.Line, "table %s has no COMMIT: the dump ends at line %d (truncated output?)", p.cur.Name, p.line)
		p.closeTable(0)
	}
	// The missing-COMMIT problem names the table's first line but is found
	// last: keep the list in line order.
	sort.SliceStable(p.dump.Problems, func(i, j int) bool { return p.dump.Problems[i].Line < p.dump.Problems[j].Line })
}

func (p *parser) parseLine(line string) {
	trimmed := skipBlanks(line)
	switch {
	case trimmed == "" || trimmed[0] == '#':
		return
	case trimmed[0] == '*':
		p.openTable(strings.TrimSpace(trimmed[1:]))
	case trimmed[0] == ':':
		p.parseChain(trimmed[1:])
	case strings.TrimSpace(trimmed) == "COMMIT":
		if p.cur == nil {
			p.problem(p.line, "COMMIT outside a table is ignored")
			return
		}
		p.closeTable(p.line)
	case trimmed[0] == '-' || trimmed[0] == '[':
		p.parseRule(line, trimmed)
	default:
		p.problem(p.line, "unrecognised line %q is ignored", clip(trimmed))
	}
}

func (p *parser) openTable(name string) {
	if p.cur != nil {
		p.problem(p.cur.Line, "table %s has no COMMIT before table %q on line %d", p.cur.Name, name, p.line)
		p.closeTable(0)
	}
	if name == "" || strings.ContainsAny(name, " \t") {
		p.problem(p.line, "table name %q is not a single word", name)
	}
	p.dump.Tables = append(p.dump.Tables, Table{Name: name, Line: p.line})
	p.cur = &p.dump.Tables[len(p.dump.Tables)-1]
	p.first = len(p.rules)
	p.chains = make(map[string]int)
}

// closeTable ends the open table; commitLine is 0 when it had no COMMIT.
func (p *parser) closeTable(commitLine int) {
	p.cur.CommitLine = commitLine
	p.cur.Rules = p.rules[p.first:len(p.rules):len(p.rules)]
	p.cur = nil
	p.chains = nil
}

// parseChain reads "NAME POLICY [packets:bytes]" (after the colon).
func (p *parser) parseChain(decl string) {
	if p.cur == nil {
		p.problem(p.line, "chain declaration outside a table is ignored")
		return
	}
	name, rest := nextField(decl)
	policy, rest := nextField(rest)
	counters, rest := nextField(rest)
	if name == "" || policy == "" {
		p.problem(p.line, "chain declaration %q needs a name and a policy", clip(decl))
		return
	}
	c := Chain{Name: name, Policy: policy, Line: p.line}
	if counters != "" {
		pk, by, ok := parseCounters(counters)
		if !ok {
			p.problem(p.line, "chain %s: counters %q are not [packets:bytes]", name, clip(counters))
		}
		c.Packets, c.Bytes, c.HasCounters = pk, by, ok
	}
	if rest != "" {
		p.problem(p.line, "chain %s: unexpected %q after the counters", name, clip(rest))
	}
	if first, dup := p.chains[name]; dup {
		p.problem(p.line, "chain %s is declared again (first on line %d)", name, p.cur.Chains[first].Line)
		return
	}
	p.chains[name] = len(p.cur.Chains)
	p.cur.Chains = append(p.cur.Chains, c)
}

// parseRule reads "[packets:bytes] -A CHAIN args…"; line is the raw line.
func (p *parser) parseRule(line, trimmed string) {
	r := Rule{Line: p.line, Raw: line}
	rest := trimmed
	if rest[0] == '[' {
		counters, after := nextField(rest)
		pk, by, ok := parseCounters(counters)
		if !ok {
			p.problem(p.line, "rule counters %q are not [packets:bytes]", clip(counters))
		}
		r.Packets, r.Bytes, r.HasCounters = pk, by, ok
		rest = after
	}
	cmd, rest := nextField(rest)
	if cmd != "-A" && cmd != "--append" {
		p.problem(p.line, "%q is not a rule iptables-save writes (only -A) and is ignored", clip(cmd))
		return
	}
	if p.cur == nil {
		p.problem(p.line, "rule outside a table is ignored")
		return
	}
	r.Chain, rest = nextField(rest)
	if r.Chain == "" {
		p.problem(p.line, "-A without a chain is ignored")
		return
	}
	if _, ok := p.chains[r.Chain]; !ok {
		p.problem(p.line, "rule for chain %s, which the table does not declare", r.Chain)
	}
	start := len(p.args)
	for rest != "" {
		var arg string
		var err error
		arg, rest, err = nextArg(rest)
		if err != nil {
			p.problem(p.line, "%v", err)
			break
		}
		p.args = append(p.args, arg)
	}
	args := p.args[start:len(p.args):len(p.args)]
	r.Matches = args
	for i, a := range args {
		if a != "-j" && a != "--jump" && a != "-g" && a != "--goto" {
			continue
		}
		r.Matches = args[:i:i]
		r.Goto = a == "-g" || a == "--goto"
		if i+1 >= len(args) {
			p.problem(p.line, "%s without a target", a)
			break
		}
		if args[i+1] == "" {
			// -j "": no target iptables-save writes; what follows is not
			// a target's options either.
			p.problem(p.line, "%s with an empty target", a)
			break
		}
		r.Target = args[i+1]
		r.TargetArgs = args[i+2:]
		if _, declared := p.chains[r.Target]; !declared && looksLikeChain(r.Target) {
			p.problem(p.line, "rule jumps to chain %s, which the table does not declare", r.Target)
		}
		break
	}
	p.rules = append(p.rules, r)
}

// looksLikeChain tells a user-defined chain from a target extension: the
// extensions (ACCEPT, DNAT, MASQUERADE, CT…) are upper-case words without
// dashes, while chains are named like KUBE-SVC-XYZ or cali-fw-abc.
func looksLikeChain(target string) bool {
	return strings.ContainsFunc(target, func(r rune) bool { return r == '-' || (r >= 'a' && r <= 'z') })
}

// parseCounters reads "[packets:bytes]".
func parseCounters(s string) (packets, bytes uint64, ok bool) {
	if len(s) < 5 || s[0] != '[' || s[len(s)-1] != ']' {
		return 0, 0, false
	}
	pk, by, found := strings.Cut(s[1:len(s)-1], ":")
	if !found {
		return 0, 0, false
	}
	packets, err1 := parseUint(pk)
	bytes, err2 := parseUint(by)
	if !err1 || !err2 {
		return 0, 0, false
	}
	return packets, bytes, true
}

// parseUint is strconv.ParseUint without the error value, which allocates.
func parseUint(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// nextField splits off the next blank-separated field.
func nextField(s string) (field, rest string) {
	s = skipBlanks(s)
	i := indexBlank(s)
	if i < 0 {
		return s, ""
	}
	return s[:i], skipBlanks(s[i+1:])
}

// skipBlanks and indexBlank are strings.TrimLeft and strings.IndexAny for
// the two blanks; the generic ones build a character set per call, which
// was a third of the parse time.
func skipBlanks(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return s[i:]
}

func indexBlank(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			return i
		}
	}
	return -1
}

// nextArg splits off the next argument the way iptables-restore does:
// separated by blanks; double quotes group, and inside them a backslash
// escapes the next character (iptables-save writes a comment `a "b"` as
// "a \"b\""). An argument without escapes is a sub-string of s, so this
// allocates only for arguments with escapes or with quotes mid-argument.
func nextArg(s string) (arg, rest string, err error) {
	s = skipBlanks(s)
	// Fast path: no quote before the next blank.
	end := 0
	for end < len(s) && s[end] != ' ' && s[end] != '\t' && s[end] != '"' {
		end++
	}
	if end == len(s) {
		return s, "", nil
	}
	if s[end] != '"' {
		return s[:end], skipBlanks(s[end:]), nil
	}
	if end == 0 {
		// A whole quoted argument without escapes: "kubernetes service portals".
		q := 1
		for q < len(s) && s[q] != '"' && s[q] != '\\' {
			q++
		}
		if q < len(s) && s[q] == '"' {
			after := s[q+1:]
			if after == "" || after[0] == ' ' || after[0] == '\t' {
				return s[1:q], skipBlanks(after), nil
			}
		}
	}
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case (c == ' ' || c == '\t') && !quoted:
			return b.String(), skipBlanks(s[i:]), nil
		default:
			b.WriteByte(c)
		}
	}
	if quoted {
		return b.String(), "", errors.New("unterminated quote: the rest of the line is one argument")
	}
	return b.String(), "", nil
}

// clip shortens text quoted in a problem so one bad line cannot flood it.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

func (p *parser) problem(line int, format string, args ...any) {
	p.dump.Problems = append(p.dump.Problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}
