package kubeobjectsreceiver

import (
	"regexp"
	"strings"
)

// Redaction of credentials in describe text. Secret data never appears
// (kubectl's Secret describer prints sizes only), but describers print
// environment values of containers and pod templates verbatim, and
// annotations, arguments and ConfigMap data as they are. Two rules:
//
//   - In an "Environment:" block, the value of a variable whose name looks
//     like a credential is replaced, continuation lines of multi-line values
//     included. References (<set to the key 'k' in secret 's'>) stay: they
//     name where a value comes from, not the value.
//   - Anywhere in the text, values shaped like credentials are replaced:
//     JWTs (ServiceAccount and OIDC tokens), SAS signatures (sig=…),
//     connection-string keys and passwords, passwords in URLs, PEM private
//     keys.

const redacted = "<redacted>"

// credentialNameParts make an environment variable's value secret when its
// upper-cased name contains one of them.
var credentialNameParts = []string{
	"TOKEN", "PASSWORD", "PASSWD", "SECRET", "KEY", "CREDENTIAL", "CONNECTION_STRING",
	"CONNECTIONSTRING", "SAS", "PRIVATE", "AUTH",
}

func isCredentialName(name string) bool {
	upper := strings.ToUpper(name)
	for _, p := range credentialNameParts {
		if strings.Contains(upper, p) {
			return true
		}
	}
	return false
}

var credentialShapes = []struct {
	re   *regexp.Regexp
	repl string
}{
	// header.payload.signature, the header being base64url JSON ("eyJ" = `{"`).
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}`), redacted},
	// SAS query parameter and connection-string secrets (Azure Storage, Service Bus, SQL…).
	{regexp.MustCompile(`(?i)(\bsig=)[^&\s"';]+`), "${1}" + redacted},
	{regexp.MustCompile(`(?i)(\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=)[^;\s"']+`), "${1}" + redacted},
	// scheme://user:password@host
	{regexp.MustCompile(`(://[^/\s:@]+:)[^/\s@]+@`), "${1}" + redacted + "@"},
	{regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----`), redacted},
}

// redact returns text with credentials replaced; text without any comes
// back unchanged (same string).
func redact(text string) string {
	if strings.Contains(text, "Environment:\n") {
		text = redactEnvironment(text)
	}
	for _, s := range credentialShapes {
		text = s.re.ReplaceAllString(text, s.repl)
	}
	return text
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
			secret = name != "" && isCredentialName(name)
			value := line[valueStart:]
			if secret && value != "" && !strings.HasPrefix(value, "<set to the key ") {
				lines[i] = line[:valueStart] + redacted + "\n"
				changed = true
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
