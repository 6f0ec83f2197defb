package cmdline

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bools stands in for a program's boolean flags.
func bools(names ...string) func(string) bool {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	return func(n string) bool { return set[n] }
}

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		bools      []string
		flags      []Flag
		positional []string
		problems   []string
	}{
		{
			name:  "every form",
			args:  []string{"/usr/local/bin/kubelet", "--node-ip=10.224.0.4", "--max-pods", "110", "--fail-swap-on", "--v=2", "-v", "3", "--node-labels=a=b,c=d"},
			bools: []string{"fail-swap-on"},
			flags: []Flag{
				{Name: "node-ip", Value: "10.224.0.4", Form: FormEquals, Index: 1},
				{Name: "max-pods", Value: "110", Form: FormSeparate, Index: 2},
				{Name: "fail-swap-on", Value: "true", Form: FormBare, Index: 4},
				{Name: "v", Value: "2", Form: FormEquals, Index: 5},
				{Name: "v", Value: "3", Form: FormSeparate, Index: 6},
				{Name: "node-labels", Value: "a=b,c=d", Form: FormEquals, Index: 8},
			},
		},
		{
			name:       "a boolean does not take the next argument",
			args:       []string{"kubelet", "--register-node", "extra"},
			bools:      []string{"register-node"},
			flags:      []Flag{{Name: "register-node", Value: "true", Form: FormBare, Index: 1}},
			positional: []string{"extra"},
			problems:   []string{`argument 2: "extra" is neither a flag nor a flag's value`},
		},
		{
			name: "an unknown flag before another flag is a boolean; negative numbers are values",
			args: []string{"kubelet", "--enable-thing", "--oom-score-adj", "-999", "--empty="},
			flags: []Flag{
				{Name: "enable-thing", Value: "true", Form: FormBare, Index: 1},
				{Name: "oom-score-adj", Value: "-999", Form: FormSeparate, Index: 2},
				{Name: "empty", Value: "", Form: FormEquals, Index: 4},
			},
		},
		{
			name:       "double dash ends the flags",
			args:       []string{"kubelet", "--a", "--", "--b"},
			flags:      []Flag{{Name: "a", Value: "true", Form: FormBare, Index: 1}},
			positional: []string{"--b"},
			problems:   []string{`argument 3: "--b" is neither a flag nor a flag's value`},
		},
		{
			name:     "bad syntax and bytes that are not text",
			args:     []string{"kubelet", "---x", "--=v", "--ok=\xff\xfe", "--ctl=a\x01b"},
			flags:    []Flag{{Name: "ok", Value: "\xff\xfe", Form: FormEquals, Index: 3}, {Name: "ctl", Value: "a\x01b", Form: FormEquals, Index: 4}},
			problems: []string{`argument 1: bad flag syntax "---x"`, `argument 2: bad flag syntax "--=v"`, "argument 3: is not valid UTF-8 text", "argument 4: contains control characters"},
		},
		{name: "program only", args: []string{"kubelet"}},
		{name: "nothing", args: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Parse(tt.args, bools(tt.bools...))
			assert.Equal(t, tt.flags, c.Flags)
			assert.Equal(t, tt.positional, c.Positional)
			var problems []string
			for _, p := range c.Problems {
				problems = append(problems, p.String())
			}
			assert.Equal(t, tt.problems, problems)
		})
	}
}

func TestLookupAndValues(t *testing.T) {
	c := Parse([]string{"kubelet", "--register-with-taints=a=b:NoSchedule", "--v=2", "--register-with-taints", "c=d:NoExecute"}, bools())
	v, ok := c.Lookup("register-with-taints")
	assert.True(t, ok)
	assert.Equal(t, "c=d:NoExecute", v, "the last occurrence wins")
	assert.Equal(t, []string{"a=b:NoSchedule", "c=d:NoExecute"}, c.Values("register-with-taints"))
	_, ok = c.Lookup("config")
	assert.False(t, ok)
}

func TestSplitNUL(t *testing.T) {
	tests := []struct {
		in        string
		args      []string
		truncated bool
	}{
		{"kubelet\x00--v=2\x00", []string{"kubelet", "--v=2"}, false},
		{"kubelet\x00--node-labels=a,b\x00--flag\x00\x00", []string{"kubelet", "--node-labels=a,b", "--flag", ""}, false},
		{"kubelet\x00--node-lab", []string{"kubelet", "--node-lab"}, true},
		{"", nil, false},
	}
	for _, tt := range tests {
		args, truncated := SplitNUL([]byte(tt.in))
		assert.Equal(t, tt.args, args, "%q", tt.in)
		assert.Equal(t, tt.truncated, truncated, "%q", tt.in)
	}
}

func TestSplitLine(t *testing.T) {
	tests := []struct {
		in   string
		args []string
		err  error
	}{
		{`c:\k\kubelet.exe --config=c:\k\kubelet.yaml --v=2`, []string{`c:\k\kubelet.exe`, `--config=c:\k\kubelet.yaml`, "--v=2"}, nil},
		{`kubelet --enforce-node-allocatable="" --node-labels="a=b c" '--x=y z'`, []string{"kubelet", "--enforce-node-allocatable=", "--node-labels=a=b c", "--x=y z"}, nil},
		{"  kubelet\t--a\r\n", []string{"kubelet", "--a"}, nil},
		{`kubelet --x="open`, []string{"kubelet", "--x=open"}, ErrUnterminatedQuote},
		{"", nil, nil},
	}
	for _, tt := range tests {
		args, err := SplitLine(tt.in)
		require.ErrorIs(t, err, tt.err, tt.in)
		if tt.err == nil {
			require.NoError(t, err, tt.in)
		}
		assert.Equal(t, tt.args, args, tt.in)
	}
}
