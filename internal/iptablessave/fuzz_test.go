package iptablessave

import (
	"strings"
	"testing"
)

// FuzzParse checks that no input panics and that what Parse reports holds:
// every problem and rule names a line that exists, a rule's raw text is that
// line, its chain is the word after -A, and its matches and target come from
// the line's arguments.
func FuzzParse(f *testing.F) {
	f.Add([]byte("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dport 53 -j DROP\nCOMMIT\n"))
	f.Add([]byte("*nat\n:KUBE-SEP-X - [0:0]\n[1:60] -A KUBE-SEP-X -m comment --comment \"a \\\"b\\\"\" -j DNAT --to-destination 10.244.0.5:53\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		lines := strings.Split(string(data), "\n")
		for _, p := range d.Problems {
			if p.Line < 1 || p.Line > len(lines) {
				t.Fatalf("problem on line %d of a %d-line input: %s", p.Line, len(lines), p.Msg)
			}
		}
		for _, tb := range d.Tables {
			if tb.CommitLine != 0 && tb.CommitLine <= tb.Line {
				t.Fatalf("table %s: COMMIT on line %d before its start on line %d", tb.Name, tb.CommitLine, tb.Line)
			}
			for _, r := range tb.Rules {
				if r.Line < 1 || r.Line > len(lines) {
					t.Fatalf("rule on line %d of a %d-line input", r.Line, len(lines))
				}
				if want := strings.TrimSuffix(lines[r.Line-1], "\r"); r.Raw != want {
					t.Fatalf("rule raw %q is not line %d %q", r.Raw, r.Line, want)
				}
				if r.Chain == "" || !strings.Contains(r.Raw, r.Chain) {
					t.Fatalf("rule chain %q not in %q", r.Chain, r.Raw)
				}
				if r.Target != "" && !strings.Contains(r.Raw, r.Target) && !strings.Contains(r.Raw, `"`) {
					t.Fatalf("rule target %q not in %q", r.Target, r.Raw)
				}
				if len(r.TargetArgs) > 0 && r.Target == "" {
					t.Fatalf("target arguments %q without a target in %q", r.TargetArgs, r.Raw)
				}
			}
		}
	})
}
