// Package cmdline reads a program's command line and its flags the way
// spf13/pflag (the flag library of the kubelet and every Kubernetes
// component) interprets them: --flag=value, --flag value, boolean flags,
// repeated flags, "--" ending the flags.
//
// Hand-written on purpose: pflag and cobra need the flag set declared before
// parsing (which flags are booleans, which repeat) and stop at the first flag
// they do not know. The kubelet's flag set changes with every release and a
// troubleshooting tool must read the line of any version, keep every
// occurrence of a repeated flag, and report what it could not interpret
// (a positional argument, a cut last argument, bytes that are not text)
// instead of failing. Two input forms: /proc/<pid>/cmdline (NUL-separated,
// exact) and a space-joined line (a Windows command line, a start script,
// `ps` output), where quotes group words.
package cmdline

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Command is a parsed command line.
type Command struct {
	// Program is the first argument as given (a path or a name).
	Program string
	// Flags in command-line order, every occurrence.
	Flags []Flag
	// Positional are the arguments that are not flags or flag values.
	Positional []string
	// Problems are arguments the program would reject or that may be cut.
	Problems []Problem
}

// Flag is one occurrence of a flag.
type Flag struct {
	// Name without its dashes: "node-ip", "v".
	Name string
	// Value as given; "true" for a boolean flag given without one.
	Value string
	// Form says how the value was given: FormEquals (--f=v), FormSeparate
	// (--f v: the value is the next argument) or FormBare (--f, a boolean).
	Form Form
	// Index is the flag's argument index (0 is the program); with
	// FormSeparate the value is at Index+1.
	Index int
}

// Form is how a flag's value was written.
type Form int

const (
	FormEquals   Form = iota // --flag=value
	FormSeparate             // --flag value
	FormBare                 // --flag (a boolean)
)

// Problem is one argument that is not what the program expects.
type Problem struct {
	Arg int    // argument index (0 is the program)
	Msg string // what is wrong with it
}

func (p Problem) String() string { return fmt.Sprintf("argument %d: %s", p.Arg, p.Msg) }

// Lookup returns the value of the last occurrence of a flag, which is the
// one a scalar pflag flag keeps.
func (c *Command) Lookup(name string) (string, bool) {
	for i := len(c.Flags) - 1; i >= 0; i-- {
		if c.Flags[i].Name == name {
			return c.Flags[i].Value, true
		}
	}
	return "", false
}

// Values returns every value given to a flag, in order (a slice flag such
// as --register-with-taints given twice accumulates them).
func (c *Command) Values(name string) []string {
	var out []string
	for _, f := range c.Flags {
		if f.Name == name {
			out = append(out, f.Value)
		}
	}
	return out
}

// SplitNUL splits /proc/<pid>/cmdline content: arguments each end with a
// NUL byte. truncated is set when the last one does not, so it may be cut
// (a process that rewrote its argument area, or a capture cut short).
func SplitNUL(data []byte) (args []string, truncated bool) {
	if len(data) == 0 {
		return nil, false
	}
	truncated = data[len(data)-1] != 0
	s := strings.TrimSuffix(string(data), "\x00")
	return strings.Split(s, "\x00"), truncated
}

// ErrUnterminatedQuote is returned by SplitLine when a quote is not closed.
var ErrUnterminatedQuote = errors.New("unterminated quote: the rest of the line is one argument")

// SplitLine splits a space-joined command line. Blanks separate arguments;
// double or single quotes group words and are removed. Backslashes are kept
// as they are (they are path separators in a Windows command line, not
// escapes). On an unterminated quote the rest of the line is the last
// argument and ErrUnterminatedQuote is returned with the arguments.
func SplitLine(line string) ([]string, error) {
	var (
		args    []string
		b       strings.Builder
		inArg   bool
		quote   byte
		isBlank = func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b.WriteByte(c)
		case c == '"' || c == '\'':
			quote, inArg = c, true
		case isBlank(c):
			if inArg {
				args = append(args, b.String())
				b.Reset()
				inArg = false
			}
		default:
			b.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, b.String())
	}
	if quote != 0 {
		return args, ErrUnterminatedQuote
	}
	return args, nil
}

// Parse interprets args (args[0] is the program). isBool says which flags
// take no value: for them "--flag" alone means true and the next argument is
// not consumed. Any other flag written "--flag x" takes x as its value
// unless x looks like a flag, in which case it is read as a boolean too
// (pflag would reject a missing value, so a running program had none).
func Parse(args []string, isBool func(name string) bool) *Command {
	c := &Command{}
	if len(args) == 0 {
		return c
	}
	c.Program = args[0]
	c.checkText(0, args[0])
	for i := 1; i < len(args); i++ {
		a := args[i]
		c.checkText(i, a)
		if a == "--" {
			for j := i + 1; j < len(args); j++ {
				c.checkText(j, args[j])
				c.positional(j, args[j])
			}
			return c
		}
		if !looksLikeFlag(a) {
			c.positional(i, a)
			continue
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if name == "" || name[0] == '-' || name[0] == '=' {
			c.problem(i, "bad flag syntax %q", clip(a))
			continue
		}
		if n, v, ok := strings.Cut(name, "="); ok {
			c.Flags = append(c.Flags, Flag{Name: n, Value: v, Form: FormEquals, Index: i})
			continue
		}
		if !isBool(name) && i+1 < len(args) && !looksLikeFlag(args[i+1]) && args[i+1] != "--" {
			c.checkText(i+1, args[i+1])
			c.Flags = append(c.Flags, Flag{Name: name, Value: args[i+1], Form: FormSeparate, Index: i})
			i++
			continue
		}
		c.Flags = append(c.Flags, Flag{Name: name, Value: "true", Form: FormBare, Index: i})
	}
	return c
}

// looksLikeFlag reports whether an argument starts a flag: a dash followed
// by something other than a digit (-1 is a value).
func looksLikeFlag(a string) bool {
	return len(a) > 1 && a[0] == '-' && (a[1] < '0' || a[1] > '9') && a[1] != '.'
}

func (c *Command) positional(i int, a string) {
	c.Positional = append(c.Positional, a)
	c.problem(i, "%q is neither a flag nor a flag's value", clip(a))
}

// checkText reports arguments a person cannot have typed: invalid UTF-8 or
// control characters (a corrupted /proc read, a binary file).
func (c *Command) checkText(i int, a string) {
	if !utf8.ValidString(a) {
		c.problem(i, "is not valid UTF-8 text")
		return
	}
	if strings.ContainsFunc(a, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) {
		c.problem(i, "contains control characters")
	}
}

func (c *Command) problem(i int, format string, args ...any) {
	c.Problems = append(c.Problems, Problem{Arg: i, Msg: fmt.Sprintf(format, args...)})
}

// clip shortens text quoted in a problem so one bad argument cannot flood it.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(s[:max], "\uFFFD") + "…"
}
