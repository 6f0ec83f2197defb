package publish

import "github.com/periscope-otel/periscope/internal/redact"

// Redacted replaces a secret in messages: the project-wide marker.
const Redacted = redact.Marker

// redactor removes credentials from any message before it is logged,
// returned or written to status.json: Azure SDK errors can embed a request
// URL with its SAS query. It applies the project's policy (internal/redact:
// sig and key parameters hidden, se/sp/sv… kept so an expired or
// under-privileged token is explained) plus the configured SAS token's
// signature and connection string's key wherever they appear.
type redactor struct{ known redact.Known }

func newRedactor(secrets ...string) *redactor {
	return &redactor{known: redact.NewKnown(secrets...)}
}

// redact returns s without secrets.
func (r *redactor) redact(s string) string { return r.known.Text(s) }
