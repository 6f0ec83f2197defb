package redact

import (
	"net/url"
	"strings"
)

// minKnownLen is the shortest configured secret hidden literally: shorter
// ones would hide ordinary words (and cannot be real SAS signatures or keys).
const minKnownLen = 4

// Known hides secrets a component was configured with wherever they
// appear, on top of the policy of Text: an SDK may quote a signature or a
// key outside any name=value shape (an escaped URL, a canonicalised string
// to sign). The zero value hides by policy only.
type Known struct{ literals []string }

// NewKnown prepares the literal secrets found in configured credentials: a
// SAS token's signature (as written, unescaped and escaped), a connection
// string's AccountKey, SharedAccessKey or SharedAccessSignature signature,
// and any value given whole that has no name=value shape (a client secret).
// The other parts of a SAS token (se, sp…) are not literals, so they stay
// readable.
func NewKnown(configured ...string) Known {
	var k Known
	for _, c := range configured {
		for _, secret := range secretsIn(c) {
			if len(secret) < minKnownLen {
				continue
			}
			k.literals = append(k.literals, secret)
			if unescaped, err := url.QueryUnescape(secret); err == nil && unescaped != secret {
				k.literals = append(k.literals, unescaped)
			}
			if escaped := url.QueryEscape(secret); escaped != secret {
				k.literals = append(k.literals, escaped)
			}
		}
	}
	return k
}

// secretsIn returns the secret values of a configured credential: the
// values of credential names in a connection string (fields split at ;)
// or a query string (split at &), or the whole string when it has neither
// shape.
func secretsIn(c string) []string {
	c = strings.TrimPrefix(c, "?")
	if !strings.Contains(c, "=") {
		return []string{c}
	}
	sep := "&"
	if strings.Contains(c, ";") {
		sep = ";"
	}
	var out []string
	for _, field := range strings.Split(c, sep) {
		name, value, ok := strings.Cut(field, "=")
		if !ok || !SecretName(strings.TrimSpace(name)) {
			continue
		}
		if sep == ";" && strings.Contains(value, "=") {
			out = append(out, secretsIn(value)...) // SharedAccessSignature=sv=…&sig=…
		} else {
			out = append(out, value)
		}
	}
	return out
}

// Text hides the known secrets, then applies the package policy.
func (k Known) Text(s string) string {
	for _, lit := range k.literals {
		s = strings.ReplaceAll(s, lit, Marker)
	}
	return Text(s)
}
