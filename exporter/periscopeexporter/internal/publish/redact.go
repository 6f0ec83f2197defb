package publish

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces a secret in messages.
const Redacted = "REDACTED"

// sasSecretParams are the SAS query parameters that are or identify a
// credential; sv, se, st, sp, srt, ss, sr, spr and sip stay, since they
// explain a failure (expired, missing permission) and grant nothing alone.
var sasSecretParams = regexp.MustCompile(`(?i)([?&;](?:sig|skoid|sktid|skt|ske|sks|skv|saoid|suoid|sduoid|scid)=)[^&\s"'<>;]*`)

// accountKey is the shared key inside a connection string.
var accountKey = regexp.MustCompile(`(?i)(AccountKey=)[^;\s"'<>]*`)

// redactor removes the configured secrets from any message before it is
// logged, returned or written to status.json: Azure SDK errors can embed a
// request URL with its SAS query.
type redactor struct{ literals []string }

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	for _, s := range secrets {
		s = strings.TrimPrefix(s, "?")
		if len(s) < 4 {
			continue
		}
		r.literals = append(r.literals, s)
		// The signature alone, raw and as it appears escaped in a URL.
		if q, err := url.ParseQuery(s); err == nil {
			if sig := q.Get("sig"); sig != "" {
				r.literals = append(r.literals, sig, url.QueryEscape(sig))
			}
		}
		for _, m := range accountKey.FindAllStringSubmatch(s, -1) {
			if key := strings.TrimPrefix(m[0], m[1]); len(key) >= 4 {
				r.literals = append(r.literals, key)
			}
		}
	}
	return r
}

// redact returns s without secrets.
func (r *redactor) redact(s string) string {
	for _, lit := range r.literals {
		s = strings.ReplaceAll(s, lit, Redacted)
	}
	s = sasSecretParams.ReplaceAllString(s, "${1}"+Redacted)
	return accountKey.ReplaceAllString(s, "${1}"+Redacted)
}
