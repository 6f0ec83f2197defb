package kubeobjectsreceiver

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Fixtures: describe output shaped as kubectl prints it (tabwriter
// padding, nested levels for pod templates).
func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "credential names in a pod's environment, multi-line value included",
			in: "Containers:\n  app:\n    Image:  x\n    Environment:\n" +
				"      LOG_LEVEL:    debug\n" +
				"      API_TOKEN:    abc123\n" +
				"      DB_PASSWORD:  line1\n" +
				"                    line2\n" +
				"      REF_SECRET:   <set to the key 'k' in secret 's'>  Optional: false\n" +
				"      EMPTY_KEY:    \n" +
				"    Mounts:         <none>\n",
			want: "Containers:\n  app:\n    Image:  x\n    Environment:\n" +
				"      LOG_LEVEL:    debug\n" +
				"      API_TOKEN:    REDACTED\n" +
				"      DB_PASSWORD:  REDACTED\n" +
				"                    REDACTED\n" +
				"      REF_SECRET:   <set to the key 'k' in secret 's'>  Optional: false\n" +
				"      EMPTY_KEY:    \n" +
				"    Mounts:         <none>\n",
		},
		{
			name: "a pod template nests one level deeper; the block ends at the heading's level",
			in:   "Pod Template:\n  Containers:\n   web:\n    Environment:\n      SAS_TOKEN:  sv=1\n      PLAIN:      ok\n    Mounts:  <none>\n  Volumes:  <none>\n  SECRET_LOOKALIKE:  stays\n",
			want: "Pod Template:\n  Containers:\n   web:\n    Environment:\n      SAS_TOKEN:  REDACTED\n      PLAIN:      ok\n    Mounts:  <none>\n  Volumes:  <none>\n  SECRET_LOOKALIKE:  stays\n",
		},
		{
			name: "a multi-line value whose first line is empty",
			in:   "    Environment:\n      PRIVATE_PEM:  \n                    MIIEvQIBADANBg\n      NEXT:         1\n",
			want: "    Environment:\n      PRIVATE_PEM:  \n                    REDACTED\n      NEXT:         1\n",
		},
		{
			name: "a path to a credential is not one (workload identity's token file)",
			in:   "    Environment:\n      AZURE_FEDERATED_TOKEN_FILE:  /var/run/secrets/azure/tokens/azure-identity-token\n      AZURE_CLIENT_SECRET:         s3\n",
			want: "    Environment:\n      AZURE_FEDERATED_TOKEN_FILE:  /var/run/secrets/azure/tokens/azure-identity-token\n      AZURE_CLIENT_SECRET:         REDACTED\n",
		},
		{
			name: "no environment variables",
			in:   "    Environment:  <none>\n    Mounts:  <none>\n",
			want: "    Environment:  <none>\n    Mounts:  <none>\n",
		},
		{
			name: "names outside an environment block are left alone",
			in:   "Volumes:\n  creds:\n    Type:        Secret (a volume populated by a Secret)\n    SecretName:  db-credentials\n",
			want: "Volumes:\n  creds:\n    Type:        Secret (a volume populated by a Secret)\n    SecretName:  db-credentials\n",
		},
		{
			name: "a JWT anywhere",
			in:   "Annotations:  token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl\n",
			want: "Annotations:  token: REDACTED\n",
		},
		{
			name: "a SAS signature, keeping the rest of the URL",
			in:   "    Args:\n      --upload=https://a.blob.core.windows.net/c?sv=2024&SIG=Ab%2Bcd&se=2026\n",
			want: "    Args:\n      --upload=https://a.blob.core.windows.net/c?sv=2024&SIG=REDACTED&se=2026\n",
		},
		{
			name: "connection strings and passwords in flags",
			in:   "      CONN:  Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=c2VjcmV0;EntityPath=q\n      --db-password=hunter2 --pwd=x\n",
			want: "      CONN:  Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=REDACTED;EntityPath=q\n      --db-password=REDACTED --pwd=REDACTED\n",
		},
		{
			name: "a password in a URL",
			in:   "      DATABASE_URL:  postgres://shop:hunter2@db:5432/shop\n",
			want: "      DATABASE_URL:  postgres://shop:REDACTED@db:5432/shop\n",
		},
		{
			name: "a PEM private key",
			in:   "Data\n====\ntls.key:\n----\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n",
			want: "Data\n====\ntls.key:\n----\nREDACTED\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, redact(tt.in))
		})
	}
}

// jwtShape is a JWT as the policy recognises it (three base64url parts,
// the header starting with `{"`).
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}`)

// Redaction never panics, is stable (redacting twice changes nothing) and
// leaves no JWT-shaped text behind.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"    Environment:\n      API_TOKEN:  abc\n                  def\n",
		"    Environment:\n",
		"Environment:\n\n\n x",
		"sig=abc&x=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl",
		"-----BEGIN PRIVATE KEY-----\nabc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := redact(s)
		if twice := redact(once); twice != once {
			t.Fatalf("not stable:\n%q\n%q", once, twice)
		}
		if loc := jwtShape.FindStringIndex(once); loc != nil {
			t.Fatalf("JWT left in %q", once)
		}
		if !strings.Contains(s, "Environment:\n") && strings.Count(once, "\n") != strings.Count(s, "\n") && !strings.Contains(s, "PRIVATE KEY-----") {
			t.Fatalf("line count changed: %q -> %q", s, once)
		}
	})
}
