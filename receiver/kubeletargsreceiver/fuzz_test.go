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
		for _, fl := range parsed.Flags {
			if sensitiveName(fl.Name) && !plainValue(fl.Value) && len(fl.Value) > len(redacted) && strings.Contains(joined, fl.Value) &&
				!strings.Contains(strings.Join(args[:fl.Index], " "), fl.Value) {
				t.Fatalf("value %q of --%s survives in %q", fl.Value, fl.Name, joined)
			}
		}
		cfgOut, _, _, _ := redactConfig(config)
		if secretValues.Match(cfgOut) {
			t.Fatalf("token-shaped text survives in config %q", cfgOut)
		}
	})
}
