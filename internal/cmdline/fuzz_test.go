package cmdline

import (
	"strings"
	"testing"
)

// FuzzParse checks both input forms: no input panics, every flag and problem
// names an argument that exists, a flag's name and value come from its
// arguments, and every argument after the program is accounted for as a
// flag, a flag's value or a positional argument.
func FuzzParse(f *testing.F) {
	f.Add([]byte("/usr/local/bin/kubelet\x00--v=2\x00--max-pods\x00110\x00--fail-swap-on\x00"), false)
	f.Add([]byte(`c:\k\kubelet.exe --node-labels="a=b,c=d" --v 2 -- extra`), true)
	isBool := func(n string) bool { return n == "fail-swap-on" || n == "register-node" }
	f.Fuzz(func(t *testing.T, data []byte, spaceJoined bool) {
		var args []string
		if spaceJoined {
			args, _ = SplitLine(string(data))
		} else {
			args, _ = SplitNUL(data)
		}
		c := Parse(args, isBool)
		for _, p := range c.Problems {
			if p.Arg < 0 || p.Arg >= len(args) {
				t.Fatalf("problem for argument %d of %d: %s", p.Arg, len(args), p.Msg)
			}
		}
		accounted := len(c.Positional)
		for _, fl := range c.Flags {
			if fl.Index < 1 || fl.Index >= len(args) || !strings.Contains(args[fl.Index], fl.Name) {
				t.Fatalf("flag %q at %d not in %q", fl.Name, fl.Index, args)
			}
			switch fl.Form {
			case FormSeparate:
				if fl.Index+1 >= len(args) || args[fl.Index+1] != fl.Value {
					t.Fatalf("flag %q value %q is not the next argument of %q", fl.Name, fl.Value, args)
				}
				accounted += 2
			case FormEquals:
				if !strings.HasSuffix(args[fl.Index], "="+fl.Value) {
					t.Fatalf("flag %q value %q not in %q", fl.Name, fl.Value, args[fl.Index])
				}
				accounted++
			default:
				accounted++
			}
		}
		bad := 0
		for _, p := range c.Problems {
			if strings.HasPrefix(p.Msg, "bad flag syntax") {
				bad++
			}
		}
		terminator := 0
		for _, a := range args[min(1, len(args)):] {
			if a == "--" {
				terminator = 1
				break
			}
		}
		if len(args) > 0 && accounted+bad+terminator != len(args)-1 {
			t.Fatalf("%d of %d arguments accounted for in %q", accounted+bad+terminator, len(args)-1, args)
		}
	})
}
