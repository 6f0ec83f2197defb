package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Marker replaces every hidden value.
const Marker = "REDACTED"

// sasIdentityParams name the signer of a user-delegation SAS and its key;
// they identify a credential, so they go with the signature.
var sasIdentityParams = map[string]bool{
	"sig": true, "skoid": true, "sktid": true, "skt": true, "ske": true, "sks": true, "skv": true,
	"saoid": true, "suoid": true, "sduoid": true, "scid": true,
}

// secretSuffixes end a credential name (AccountKey, client_secret,
// access_token, SharedAccessSignature, --db-password).
var secretSuffixes = []string{
	"key", "keys", "password", "passwd", "pwd", "secret", "secrets", "token", "tokens",
	"sig", "signature", "credential", "credentials",
}

// SecretName reports whether the value of a name=value pair (a URL query
// parameter, a connection-string field, a flag, a JSON member) is a
// credential. Case does not matter; leading dashes of a flag are ignored.
func SecretName(name string) bool {
	n := strings.ToLower(strings.TrimLeft(name, "-"))
	if sasIdentityParams[n] {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// secretEnvParts make an environment variable's value secret when its
// upper-cased name contains one of them.
var secretEnvParts = []string{
	"TOKEN", "PASSWORD", "PASSWD", "SECRET", "KEY", "CREDENTIAL", "CONNECTION_STRING",
	"CONNECTIONSTRING", "SAS", "PRIVATE", "AUTH",
}

// referenceEnvSuffixes end names whose value says where a credential is,
// not what it is (AZURE_FEDERATED_TOKEN_FILE, TLS_KEY_PATH, KEYVAULT_NAME).
var referenceEnvSuffixes = []string{"_FILE", "_PATH", "_DIR", "_NAME"}

// SecretEnvName reports whether an environment variable's name says its
// value is a credential.
func SecretEnvName(name string) bool {
	upper := strings.ToUpper(name)
	for _, s := range referenceEnvSuffixes {
		if strings.HasSuffix(upper, s) {
			return false
		}
	}
	for _, p := range secretEnvParts {
		if strings.Contains(upper, p) {
			return true
		}
	}
	return false
}

// EnvValue returns the value of environment variable name as it may be
// shown: Marker when the name says it is a credential (and it is not
// empty), else the value with credentials found by shape hidden (Text).
func EnvValue(name, value string) string {
	if value != "" && SecretEnvName(name) {
		return Marker
	}
	return Text(value)
}

var (
	// jsonMember is "name": "value" on one line (no escaped quotes in the
	// value). No rule but the PEM one spans lines, so line-oriented text
	// (describe output) keeps its line count.
	jsonMember = regexp.MustCompile(`"([A-Za-z0-9_.-]+)"[ \t]*:[ \t]*"([^"\\\n]*)"`)
	// userPassword is the password of scheme://user:password@host.
	userPassword = regexp.MustCompile(`(://[^/\s:@]*:)[^/\s@]+@`)
	// authorization is an Authorization header or field up to the end of
	// its line or quote: every scheme (SharedKey, Bearer…) carries a credential.
	// A value that opens a structure ({ or [: the kubelet configuration's
	// "authorization": {"mode": "Webhook"}) is a section name, not one.
	authorization = regexp.MustCompile(`(?i)(\bauthorization["']?[ \t]*[:=][ \t]*["']?)[^"'\s{\[][^"'\r\n]*`)
	// authScheme is a Bearer (token68) or Basic (base64) credential
	// outside such a header, on the scheme's line.
	authScheme = regexp.MustCompile(`(?i)\b(?:(bearer)([ \t]+)([A-Za-z0-9._~+/-]+=*)|(basic)([ \t]+)([A-Za-z0-9+/]{8,}=*))`)
	// jwt is header.payload[.signature], the header being base64url JSON
	// ("eyJ" = `{"`).
	jwt = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*)?`)
	// pemPrivateKey is a whole private key block, or what is left of one.
	pemPrivateKey = regexp.MustCompile(`(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|.*)`)
)

// Text returns free text (an error message, a log line, describe output)
// with every credential the package policy recognises replaced by Marker.
func Text(s string) string {
	// Each rule runs only when a cheap test says it may apply: most text
	// holds no credential, and describe output can be large.
	if strings.Contains(s, "PRIVATE KEY-----") {
		s = pemPrivateKey.ReplaceAllString(s, Marker)
	}
	if strings.Contains(s, "eyJ") {
		s = jwt.ReplaceAllString(s, Marker)
	}
	if lower := strings.ToLower(s); strings.Contains(lower, "authorization") || strings.Contains(lower, "bearer") || strings.Contains(lower, "basic") {
		s = authorization.ReplaceAllString(s, "${1}"+Marker)
		s = hideAuthSchemes(s)
	}
	if strings.Contains(s, "://") && strings.Contains(s, "@") {
		s = userPassword.ReplaceAllString(s, "${1}"+Marker+"@")
	}
	if strings.Contains(s, `":`) || strings.Contains(s, `" :`) {
		s = hideJSONMembers(s)
	}
	if strings.Contains(s, "=") {
		s = hidePairs(s)
	}
	return s
}

// hidePairs replaces the value of every name=value pair whose name is a
// credential name. A name is made of letters, digits, '_', '.' and '-'; a
// value ends at a separator of query strings (&), connection strings (;),
// words, quotes or markup. After a harmless name the scan goes on inside
// its value: next=https://…?sig=… hides the nested sig.
func hidePairs(s string) string {
	var b strings.Builder
	done := 0
	end := -1 // the first value end after the current '=', reused while ahead (a=a=a=… stays linear)
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '=')
		if j < 0 {
			break
		}
		eq := i + j
		start := eq
		for start > done && isNameByte(s[start-1]) {
			start--
		}
		if end <= eq {
			end = eq + 1
			for end < len(s) && !isValueEnd(s[end]) {
				end++
			}
		}
		if start == eq || end == eq+1 || s[eq+1:end] == Marker || !SecretName(s[start:eq]) {
			i = eq + 1
			continue
		}
		b.WriteString(s[done : eq+1])
		b.WriteString(Marker)
		done, i = end, end
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

func isValueEnd(c byte) bool {
	switch c {
	case '&', ';', ' ', '\t', '\n', '\r', '\v', '\f', '"', '\'', '<', '>':
		return true
	}
	return false
}

// hideJSONMembers replaces the value of every JSON string member whose
// name is a credential name.
func hideJSONMembers(s string) string {
	re := jsonMember
	var b strings.Builder
	done, pos := 0, 0
	for pos < len(s) {
		m := re.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			break
		}
		nameStart, nameEnd, valueStart, valueEnd := pos+m[2], pos+m[3], pos+m[4], pos+m[5]
		if !SecretName(s[nameStart:nameEnd]) || valueStart == valueEnd || s[valueStart:valueEnd] == Marker {
			pos = valueStart
			continue
		}
		b.WriteString(s[done:valueStart])
		b.WriteString(Marker)
		done, pos = valueEnd, valueEnd
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// hideAuthSchemes hides the credential after Bearer or Basic, but not an
// English word after them ("Bearer token", "basic authentication"): a
// credential has a character other than letters, or is long. Padding ends
// a credential: "Bearer --db-password=secret" is a name=value pair, left to
// hidePairs, which hides its value (taking "--db-password=" for the
// credential would leave the secret after the marker).
func hideAuthSchemes(s string) string {
	var b strings.Builder
	done := 0
	for _, m := range authScheme.FindAllStringSubmatchIndex(s, -1) {
		credStart, credEnd := m[6], m[7] // Bearer's credential
		if credStart < 0 {
			credStart, credEnd = m[12], m[13] // Basic's
		}
		cred := s[credStart:credEnd]
		if cred == Marker || (len(cred) < 16 && strings.Trim(cred, letters) == "") {
			continue
		}
		if strings.HasSuffix(cred, "=") && credEnd < len(s) && !isValueEnd(s[credEnd]) && s[credEnd] != ',' {
			continue
		}
		b.WriteString(s[done:credStart])
		b.WriteString(Marker)
		done = credEnd
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// URL returns s with its credentials hidden when it is a URL: the user
// information's password and the value of every query parameter whose name
// is a credential name (percent-escaped names included), the other
// parameters kept in their order. Anything else in it (a JWT in the path)
// is hidden as Text hides it; a string that is not a URL is treated as Text.
func URL(s string) string {
	// Text runs first on the string as given: re-serialising a parsed URL
	// percent-escapes its fragment and opaque part, and an escaped
	// "BEGIN%20RSA%20PRIVATE%20KEY" no longer looks like a key to Text.
	s = Text(s)
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return s
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		u.User = url.UserPassword(u.User.Username(), Marker)
	}
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			name, _, hasValue := strings.Cut(p, "=")
			if unescaped, err := url.QueryUnescape(name); err == nil {
				name = unescaped
			}
			if hasValue && SecretName(name) {
				params[i] = p[:strings.Index(p, "=")+1] + Marker
			}
		}
		u.RawQuery = strings.Join(params, "&")
	}
	return Text(u.String())
}
