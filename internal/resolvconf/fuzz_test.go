package resolvconf

import (
	"strings"
	"testing"
)

// FuzzParse checks that no input panics and that what Parse reports holds:
// every nameserver it keeps came from the input, every problem names a line
// that exists, and the effective numbers stay within the resolver's caps.
func FuzzParse(f *testing.F) {
	f.Add([]byte("nameserver 168.63.129.16\nsearch a.internal.cloudapp.net\n"))
	f.Add([]byte("search default.svc.cluster.local svc.cluster.local\nnameserver 10.0.0.10\noptions ndots:5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, p := range c.Problems {
			if p.Line < 1 || p.Line > lines {
				t.Fatalf("problem on line %d of a %d-line input: %s", p.Line, lines, p.Msg)
			}
		}
		for _, ns := range c.Nameservers {
			if !strings.Contains(string(data), ns) {
				t.Fatalf("nameserver %q not in input", ns)
			}
		}
		if c.Ndots < 0 || c.Ndots > maxNdots || c.Timeout < 0 || c.Timeout > maxTimeout || c.Attempts < 0 || c.Attempts > maxAttempts {
			t.Fatalf("effective values out of range: ndots %d timeout %d attempts %d", c.Ndots, c.Timeout, c.Attempts)
		}
	})
}
