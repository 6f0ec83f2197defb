package kubeletargsreceiver

import (
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/kubelet"
)

// FuzzRedact checks the promise that matters: whatever the input, no
// token-shaped text survives redaction, on a command line or in a config
// file, and a value under a credential flag never appears in the output.
func FuzzRedact(f *testing.F) {
	f.Add([]byte("kubelet\x00--token=abc\x00--node-labels=a=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig\x00"), []byte("clientSecret: x\n# eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0\n"))
	f.Add([]byte("kubelet\x00--password\x00hunter2\x00abcdef.0123456789abcdef\x00"), []byte(`{"a": {"apiKey": ["k1", {"b": "abcdef.0123456789abcdef"}]}}`))
	f.Fuzz(func(t *testing.T, rawArgs, config []byte) {
		args, _ := cmdline.SplitNUL(rawArgs)
		parsed := cmdline.Parse(args, kubelet.IsBoolean)
		out, _ := redactArgs(args, parsed)
		joined := strings.Join(out, " ")
		if secretValues.MatchString(joined) {
			t.Fatalf("token-shaped text survives in %q", joined)
		}
		// The value's own slot is checked, not the whole line: the value
		// may also be part of the flag's name (-token00=00) or of another
		// argument, and those are not the value.
		for _, fl := range parsed.Flags {
			if fl.Form == cmdline.FormBare || !sensitiveName(fl.Name) || plainValue(fl.Value) {
				continue
			}
			var slot string
			if fl.Form == cmdline.FormEquals {
				_, slot, _ = strings.Cut(out[fl.Index], "=")
			} else {
				slot = out[fl.Index+1]
			}
			if slot != redacted {
				t.Fatalf("value %q of --%s shown as %q in %q", fl.Value, fl.Name, slot, joined)
			}
		}
		cfgOut, _, _, _ := redactConfig(config)
		if secretValues.Match(cfgOut) {
			t.Fatalf("token-shaped text survives in config %q", cfgOut)
		}
	})
}
