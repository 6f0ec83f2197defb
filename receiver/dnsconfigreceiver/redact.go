package dnsconfigreceiver

import (
	"strings"

	"github.com/periscope-otel/periscope/internal/redact"
)

// secretDirectives are Corefile directives whose arguments are credentials,
// from CoreDNS's plugin documentation: azure's "secret CLIENT_SECRET",
// tsig's "secret NAME KEY", route53's "aws_access_key ID SECRET". etcd's
// "credentials USERNAME PASSWORD" is handled apart: clouddns and route53
// use "credentials" for a file name or profile, which stay.
var secretDirectives = map[string]bool{"secret": true, "aws_access_key": true}

// redactValue applies the project's redaction policy (internal/redact:
// credentials by shape and name, JWTs, private keys, URL passwords) and
// the Corefile rules below to a ConfigMap value, and returns how many
// credentials it hid.
func redactValue(v string) (string, int) {
	out, _ := redactCorefile(v)
	out = redact.Text(out)
	return out, max(0, strings.Count(out, redact.Marker)-strings.Count(v, redact.Marker))
}

// redactCorefile replaces the arguments of credential-bearing directives
// in a Corefile (or a coredns-custom *.server / *.override fragment) with
// redact.Marker and returns how many it replaced. It follows the lexical rules
// of CoreDNS's Corefile lexer (words split at white space, "..." groups a
// word across spaces and lines, "#" starting a word starts a comment to
// the end of the line (inside a word it stays in the word: a secret
// "ab#cd" is redacted whole), a directive is the first word of a line, a "{" word
// opens its block and a "}" word closes one), so it works on fragments and
// broken files alike; every byte but the replaced words is kept.
// Environment references ({$VAR}, {%VAR%}) are kept: they name where the
// secret comes from, not the secret.
func redactCorefile(text string) (string, int) {
	if !strings.Contains(text, "secret") && !strings.Contains(text, "aws_access_key") && !strings.Contains(text, "credentials") {
		return text, 0
	}
	var (
		out   strings.Builder
		n     int
		last  int
		stack []string // directives whose blocks are open
	)
	out.Grow(len(text))
	toks := corefileWords(text)
	for i := 0; i < len(toks); {
		// One line's words: a directive and its arguments.
		j := i + 1
		// A word continues the line when it starts on the line the previous
		// one ended on (a quoted word may span lines).
		for j < len(toks) && toks[j].line == toks[j-1].endLine {
			j++
		}
		directive := text[toks[i].start:toks[i].end]
		inEtcd := len(stack) > 0 && stack[len(stack)-1] == "etcd"
		secret := secretDirectives[directive] || (directive == "credentials" && inEtcd)
		for k := i; k < j; k++ {
			word := text[toks[k].start:toks[k].end]
			switch {
			case word == "{":
				stack = append(stack, directive)
			case word == "}":
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			case secret && k > i && !isEnvReference(word) && !isMarker(word):
				if n > 0 && toks[k].start == last {
					// Glued to the word just redacted ("a"b): one marker,
					// so the output reads back as the same words.
					last = toks[k].end
					continue
				}
				out.WriteString(text[last:toks[k].start])
				if len(word) >= 2 && strings.HasPrefix(word, `"`) && strings.HasSuffix(word, `"`) {
					// A quoted word stays quoted: what follows it lexes
					// the same ("x"# note: the # starts a comment only
					// after a quoted word).
					out.WriteString(`"` + redact.Marker + `"`)
				} else {
					out.WriteString(redact.Marker)
				}
				last = toks[k].end
				n++
			}
		}
		i = j
	}
	out.WriteString(text[last:])
	return out.String(), n
}

// word is a word's byte range in the text and the lines it starts and
// ends on.
type word struct{ start, end, line, endLine int }

// corefileWords splits text into words as the Corefile lexer does.
func corefileWords(text string) []word {
	var words []word
	line := 1
	for i := 0; i < len(text); {
		switch ch := text[i]; {
		case ch == '\n':
			line++
			i++
		case ch == ' ' || ch == '\t' || ch == '\r':
			i++
		case ch == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case ch == '"':
			start, startLine := i, line
			for i++; i < len(text) && text[i] != '"'; i++ {
				switch text[i] {
				case '\\':
					i++ // an escaped character, a quote among them
					if i < len(text) && text[i] == '\n' {
						line++
					}
				case '\n':
					line++
				}
			}
			i = min(i+1, len(text))
			words = append(words, word{start, i, startLine, line})
		default:
			start := i
			for i < len(text) && !strings.ContainsRune(" \t\r\n", rune(text[i])) {
				i++
			}
			words = append(words, word{start, i, line, line})
		}
	}
	return words
}

// isMarker reports whether a word is already a redaction (idempotence).
func isMarker(w string) bool {
	return strings.HasPrefix(w, redact.Marker) || strings.HasPrefix(w, `"`+redact.Marker+`"`)
}

// isEnvReference reports whether a word is a CoreDNS environment variable
// reference, substituted when the Corefile is loaded.
func isEnvReference(w string) bool {
	return len(w) > 3 && ((strings.HasPrefix(w, "{$") && strings.HasSuffix(w, "}")) ||
		(strings.HasPrefix(w, "{%") && strings.HasSuffix(w, "%}")))
}
