package kubeletargsreceiver

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/redact"
)

// redacted replaces every value that looks like a credential: the
// project's one marker, so `grep REDACTED` finds every hidden value in a run.
const redacted = redact.Marker

// secretWords mark a flag or field as holding a credential when they are
// one of its words (--bootstrap-token, clientSecret, staticPodURLHeader: a
// header map carries Authorization values).
var secretWords = map[string]bool{
	"token": true, "tokens": true, "password": true, "passwords": true, "passwd": true,
	"secret": true, "secrets": true, "credential": true, "credentials": true,
	"key": true, "keys": true, "apikey": true, "header": true, "headers": true, "bearer": true,
}

// secretParts mark a name when they are part of a word (sastoken, dbpassword).
var secretParts = []string{"token", "password", "secret"}

// pathWords end names whose value is where a credential is kept, not the
// credential (--tls-private-key-file, tokenFile, --bootstrap-kubeconfig):
// those paths are what an engineer needs.
var pathWords = map[string]bool{
	"file": true, "files": true, "dir": true, "path": true, "paths": true,
	"config": true, "kubeconfig": true, "bin": true,
}

// secretValues are credentials recognisable by their shape wherever they
// appear: a JWT (service account and bearer tokens), a Kubernetes bootstrap
// token.
var secretValues = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(\.[A-Za-z0-9_-]+)?|\b[a-z0-9]{6}\.[a-z0-9]{16}\b`)

// sensitiveName reports whether a flag or field name says its value is a
// credential.
func sensitiveName(name string) bool {
	words := splitWords(name)
	if len(words) == 0 || pathWords[words[len(words)-1]] {
		return false
	}
	for _, w := range words {
		if secretWords[w] {
			return true
		}
		for _, part := range secretParts {
			if strings.Contains(w, part) {
				return true
			}
		}
	}
	return false
}

// sensitiveValue reports whether a value must be hidden whatever its name.
func sensitiveValue(v string) bool { return secretValues.MatchString(v) }

// plainValue is a value that cannot be a credential: a boolean switch
// (--authentication-token-webhook=true) or nothing.
func plainValue(v string) bool { return v == "" || v == "true" || v == "false" }

// splitWords splits a flag or field name into lower-case words at dashes,
// underscores, dots and camelCase humps, acronyms included
// (staticPodURLHeader: static, pod, url, header).
func splitWords(name string) []string {
	var words []string
	rs := []rune(name)
	start := 0
	for i, r := range rs {
		if r == '-' || r == '_' || r == '.' {
			if i > start {
				words = append(words, strings.ToLower(string(rs[start:i])))
			}
			start = i + 1
			continue
		}
		if i > start && unicode.IsUpper(r) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				words = append(words, strings.ToLower(string(rs[start:i])))
				start = i
			}
		}
	}
	if start < len(rs) {
		words = append(words, strings.ToLower(string(rs[start:])))
	}
	return words
}

// redactArgs returns a copy of args with credentials replaced, and the
// names of the flags (or "argument N") they were found in. A flag named
// like a credential loses its whole value; elsewhere only the part shaped
// like a token is replaced (a label value keeps its other labels).
func redactArgs(args []string, parsed *cmdline.Command) ([]string, []string) {
	out := append([]string(nil), args...)
	var names []string
	owner := map[int]string{} // argument index -> the flag whose value it holds
	hidden := map[int]bool{}
	for _, f := range parsed.Flags {
		valueAt := f.Index
		if f.Form == cmdline.FormSeparate {
			valueAt = f.Index + 1
		}
		owner[valueAt] = f.Name
		if f.Form == cmdline.FormBare || plainValue(f.Value) || !sensitiveName(f.Name) {
			continue
		}
		if f.Form == cmdline.FormEquals {
			flag, _, _ := strings.Cut(args[f.Index], "=")
			out[f.Index] = flag + "=" + redacted
		} else {
			out[valueAt] = redacted
		}
		hidden[valueAt] = true
		names = append(names, f.Name)
	}
	// Shapes are hidden wherever they are, also in what is left of an
	// argument whose value is already hidden (a token pasted into a
	// flag's name: --eyJ….token=…).
	for i := range out {
		if !sensitiveValue(out[i]) {
			continue
		}
		out[i] = secretValues.ReplaceAllString(out[i], redacted)
		if hidden[i] {
			continue // already named
		}
		if name, ok := owner[i]; ok {
			names = append(names, name)
		} else {
			names = append(names, fmt.Sprintf("argument %d", i))
		}
	}
	return out, names
}

// redactConfig hides credentials in a kubelet configuration file (YAML or
// JSON). It returns the content to export: the file byte for byte when
// nothing was hidden, else the document re-encoded as YAML with the values
// replaced (comments kept); the parsed, redacted settings (a mapping node,
// nil when the file is not one); and the paths of what was hidden. A file
// that does not parse is redacted line by line.
func redactConfig(data []byte) (out []byte, doc *yaml.Node, hidden []string, err error) {
	out, doc, hidden, err = redactStructure(data)
	// Comments, and anything the structure does not show, can still hold a
	// token: the last pass hides every token-shaped text in what is exported.
	if out != nil && secretValues.Match(out) {
		out = secretValues.ReplaceAll(out, []byte(redacted))
		hidden = append(hidden, "token-shaped text")
	}
	// And the project's policy for free text (internal/redact): a PEM
	// private key, a SAS signature or a connection-string key pasted in.
	if out != nil {
		if clean := redact.Text(string(out)); clean != string(out) {
			out = []byte(clean)
			hidden = append(hidden, "credential-shaped text")
		}
	}
	return out, doc, hidden, err
}

func redactStructure(data []byte) (out []byte, doc *yaml.Node, hidden []string, err error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		out, hidden = redactLines(data)
		return out, nil, hidden, fmt.Errorf("not YAML or JSON: %w", err)
	}
	if len(root.Content) == 0 {
		return data, nil, nil, nil
	}
	doc = root.Content[0]
	if doc.Kind != yaml.MappingNode {
		out, hidden = redactLines(data)
		return out, nil, hidden, errors.New("not a mapping of settings")
	}
	redactNode(doc, "", &hidden)
	if len(hidden) == 0 {
		return data, doc, nil, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, nil, hidden, fmt.Errorf("re-encode after redaction: %w", err)
	}
	return buf.Bytes(), doc, hidden, nil
}

// redactNode walks a YAML tree, hiding values under sensitive keys and
// values shaped like credentials; path names the node (authentication.x509).
func redactNode(n *yaml.Node, path string, hidden *[]string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			if sensitiveValue(key.Value) {
				key.Value = secretValues.ReplaceAllString(key.Value, redacted)
				*hidden = append(*hidden, joinPath(path, key.Value))
			}
			p := joinPath(path, key.Value)
			if sensitiveName(key.Value) && !plainNode(val) {
				hideAll(val)
				*hidden = append(*hidden, p)
				continue
			}
			redactNode(val, p, hidden)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			redactNode(item, fmt.Sprintf("%s[%d]", path, i), hidden)
		}
	case yaml.ScalarNode:
		if sensitiveValue(n.Value) {
			n.Value = secretValues.ReplaceAllString(n.Value, redacted)
			n.Style = yaml.DoubleQuotedStyle
			*hidden = append(*hidden, path)
		}
	case yaml.DocumentNode, yaml.AliasNode:
		// An alias points at a node redacted where it is defined.
		for _, c := range n.Content {
			redactNode(c, path, hidden)
		}
	}
}

// plainNode is a scalar that cannot be a credential (a boolean, nothing).
func plainNode(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && plainValue(n.Value) }

// hideAll replaces every value under n; mapping keys stay, so the file
// still shows which header or field was set.
func hideAll(n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		n.Value, n.Tag, n.Style = redacted, "!!str", yaml.DoubleQuotedStyle
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			hideAll(n.Content[i])
		}
	default:
		for _, c := range n.Content {
			hideAll(c)
		}
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlKeyLine matches `key: value` and `"key": value` lines.
var yamlKeyLine = regexp.MustCompile(`^(\s*-?\s*"?)([A-Za-z0-9_.-]+)("?\s*:\s*)(.+?)(,?\s*)$`)

// redactLines is the fallback for a file that does not parse: any
// `key: value` line with a sensitive key, and any credential-shaped value,
// is hidden line by line.
func redactLines(data []byte) ([]byte, []string) {
	var hidden []string
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		if m := yamlKeyLine.FindStringSubmatch(line); m != nil && sensitiveName(m[2]) && !plainValue(strings.Trim(m[4], `"'`)) {
			lines[i] = m[1] + m[2] + m[3] + redacted + m[5]
			hidden = append(hidden, fmt.Sprintf("line %d", i+1))
			continue
		}
		if sensitiveValue(line) {
			lines[i] = secretValues.ReplaceAllString(line, redacted)
			hidden = append(hidden, fmt.Sprintf("line %d", i+1))
		}
	}
	return []byte(strings.Join(lines, "\n")), hidden
}
