package kubeobjectsreceiver

import (
	"strings"

	redactpolicy "github.com/periscope-otel/periscope/internal/redact"
)

// Redaction of credentials in describe text, by the project's policy
// (internal/redact). Secret data never appears (kubectl's Secret describer
// prints sizes only), but describers print environment values of
// containers and pod templates verbatim, and annotations, arguments and
// ConfigMap data as they are. Two rules:
//
//   - In an "Environment:" block, the value of a variable whose name says
//     it is a credential (redact.SecretEnvName) is replaced, continuation
//     lines of multi-line values included. References (<set to the key 'k'
//     in secret 's'>) stay: they name where a value comes from, not the
//     value.
//   - Anywhere in the text, values shaped like credentials are replaced
//     (redact.Text): JWTs, SAS signatures, connection-string keys,
//     passwords in flags and URLs, Authorization values, PEM private keys.

// redacted replaces a hidden value: the project-wide marker.
const redacted = redactpolicy.Marker

// redact returns text with credentials replaced; text without any comes
// back unchanged. (The policy package is imported as redactpolicy so this
// function keeps its name.)
func redact(text string) string {
	if strings.Contains(text, "Environment:\n") {
		text = redactEnvironment(text)
	}
	return redactpolicy.Text(text)
}

// redactEnvironment walks every "Environment:" block: lines indented deeper
// than the heading, where the least indented ones start a variable
// ("NAME:  value") and deeper ones continue a multi-line value.
func redactEnvironment(text string) string {
	lines := strings.SplitAfter(text, "\n")
	changed := false
	for i := 0; i < len(lines); i++ {
		heading := strings.TrimRight(lines[i], "\n")
		if strings.TrimSpace(heading) != "Environment:" {
			continue
		}
		headIndent := indentOf(heading)
		varIndent := -1
		secret := false
		for i+1 < len(lines) {
			line := strings.TrimRight(lines[i+1], "\n")
			ind := indentOf(line)
			if ind == len(line) {
				i++ // a blank line inside a multi-line value
				continue
			}
			if ind <= headIndent {
				break // the block is over; the outer loop looks at this line
			}
			i++
			if varIndent < 0 {
				varIndent = ind
			}
			if ind > varIndent {
				// Continuation of a multi-line value.
				if secret {
					lines[i] = line[:ind] + redacted + "\n"
					changed = true
				}
				continue
			}
			name, valueStart := splitVariable(line, ind)
			secret = name != "" && redactpolicy.SecretEnvName(name)
			value := line[valueStart:]
			if secret && !strings.HasPrefix(value, "<set to the key ") {
				if v := redactpolicy.EnvValue(name, value); v != value {
					lines[i] = line[:valueStart] + v + "\n"
					changed = true
				}
			}
		}
	}
	if !changed {
		return text
	}
	return strings.Join(lines, "")
}

// splitVariable splits "NAME:<padding>value" at the first colon followed by
// padding or the end of the line; name is "" when there is none.
func splitVariable(line string, start int) (name string, valueStart int) {
	rest := line[start:]
	if sep := strings.Index(rest, ": "); sep >= 0 {
		after := start + sep + 1
		return rest[:sep], after + indentOf(line[after:])
	}
	if strings.HasSuffix(rest, ":") {
		return rest[:len(rest)-1], len(line)
	}
	return "", len(line)
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
