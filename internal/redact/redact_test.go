package redact

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Fixture credentials: made-up values in the shapes the services issue.
const (
	fixtureSig = "Zm9vYmFyK2Jhei9xdXg9"
	fixtureKey = "c2VjcmV0a2V5c2VjcmV0a2V5"
	fixtureJWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLWJ5dGVz"
)

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"SAS URL in a transport error: sig hidden, expiry and permissions kept",
			`Put "https://acct.blob.core.windows.net/c/f?sv=2025-01-05&ss=b&srt=sco&sp=rwdlacup&se=2026-11-29T00:00:00Z&st=2026-11-28&spr=https&sig=` + fixtureSig + `": dial tcp: refused`,
			`Put "https://acct.blob.core.windows.net/c/f?sv=2025-01-05&ss=b&srt=sco&sp=rwdlacup&se=2026-11-29T00:00:00Z&st=2026-11-28&spr=https&sig=REDACTED": dial tcp: refused`},
		{"escaped signature, any case",
			`GET https://x/c?se=2026&SIG=abc%2Bdef%3D&sp=r failed`,
			`GET https://x/c?se=2026&SIG=REDACTED&sp=r failed`},
		{"user-delegation SAS identity parameters",
			"?skoid=1234&sktid=5678&skt=2026&ske=2027&sks=b&skv=2025&sr=c&sig=x",
			"?skoid=REDACTED&sktid=REDACTED&skt=REDACTED&ske=REDACTED&sks=REDACTED&skv=REDACTED&sr=c&sig=REDACTED"},
		{"a SAS nested in a harmless parameter",
			"https://login.example.test/?next=https://a.blob.core.windows.net/c?sv=1%26sig=x&sig=" + fixtureSig,
			"https://login.example.test/?next=https://a.blob.core.windows.net/c?sv=1%26sig=REDACTED&sig=REDACTED"},
		{"storage connection string: the key hidden, the account kept",
			"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + fixtureKey + ";EndpointSuffix=core.windows.net",
			"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=REDACTED;EndpointSuffix=core.windows.net"},
		{"service bus connection string: the key name stays",
			"Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=c2VjcmV0;EntityPath=q",
			"Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=REDACTED;EntityPath=q"},
		{"flags with credentials; paths to credentials stay",
			"--db-password=hunter2 --pwd=x --client_secret=s3 --tls-private-key-file=/etc/k.pem --token-file=/var/t",
			"--db-password=REDACTED --pwd=REDACTED --client_secret=REDACTED --tls-private-key-file=/etc/k.pem --token-file=/var/t"},
		{"a password in a URL", "postgres://shop:hunter2@db:5432/shop", "postgres://shop:REDACTED@db:5432/shop"},
		{"JSON members", `{"accessToken": "abc.def", "expiresOn": "2026", "client_secret":"s"}`,
			`{"accessToken": "REDACTED", "expiresOn": "2026", "client_secret":"REDACTED"}`},
		{"an Authorization header, any scheme", "Authorization: SharedKey acct:c2lnbmF0dXJl\nx-ms-date: now",
			"Authorization: REDACTED\nx-ms-date: now"},
		// A section named authorization (the kubelet configuration) holds
		// settings, not a credential.
		{"an authorization section", "    \"authorization\": {\n        \"mode\": \"Webhook\",\n    \"authorization\": [",
			"    \"authorization\": {\n        \"mode\": \"Webhook\",\n    \"authorization\": ["},
		{"bearer and basic credentials", "sent Bearer tok-2b7e151628aed2a6 then basic YWxpY2U6c2VjcmV0",
			"sent Bearer REDACTED then basic REDACTED"},
		{"the words bearer and basic are not credentials", "a Bearer token is required; basic authentication is off",
			"a Bearer token is required; basic authentication is off"},
		{"padded credentials", "Bearer dG9rZW4tdmFsdWU= and basic YWxpY2U6c2VjcmV0Cg==, then", "Bearer REDACTED and basic REDACTED, then"},
		{"a name=value pair after Bearer is judged as a pair", "auth Bearer --db-password=hunter2-secret-value",
			"auth Bearer --db-password=REDACTED"},
		{"the next line is not the scheme's credential", "Bearer\nabcdefghijklmnopqrstuvwxyz-0123", "Bearer\nabcdefghijklmnopqrstuvwxyz-0123"},
		{"a JWT anywhere", "token: " + fixtureJWT + " (expired)", "token: REDACTED (expired)"},
		{"a PEM private key block", "tls.key:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\ntls.crt: 1 bytes",
			"tls.key:\nREDACTED\ntls.crt: 1 bytes"},
		{"a truncated PEM private key", "key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN", "key: REDACTED"},
		{"labels, selectors and errors without credentials",
			"Selector: app=web,pod-template-hash=6d4f\ncontainer \"c\" does not exist (AuthorizationFailure)",
			"Selector: app=web,pod-template-hash=6d4f\ncontainer \"c\" does not exist (AuthorizationFailure)"},
		{"already redacted text is stable", "sig=REDACTED&AccountKey=REDACTED Bearer REDACTED", "sig=REDACTED&AccountKey=REDACTED Bearer REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, Text(got), "redacting twice changes nothing")
		})
	}
}

func TestURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"SAS: parameters kept in order, sig hidden",
			"https://acct.blob.core.windows.net/c?sv=2025-01-05&se=2026-11-29T00%3A00%3A00Z&sp=rw&sig=" + fixtureSig,
			"https://acct.blob.core.windows.net/c?sv=2025-01-05&se=2026-11-29T00%3A00%3A00Z&sp=rw&sig=REDACTED"},
		{"an escaped parameter name", "https://x/c?si%67=abc&comp=list", "https://x/c?si%67=REDACTED&comp=list"},
		{"OAuth-style parameters", "https://x/cb?code_verifier=v&access_token=t&state=s", "https://x/cb?code_verifier=v&access_token=REDACTED&state=s"},
		{"user information", "https://u:p4ss@proxy.example.test:3128", "https://u:REDACTED@proxy.example.test:3128"},
		{"a JWT in the path", "https://x/t/" + fixtureJWT, "https://x/t/REDACTED"},
		{"nothing secret", "https://mcr.microsoft.com/v2/", "https://mcr.microsoft.com/v2/"},
		{"not a URL falls back to Text", "sig=abc and %zz", "sig=REDACTED and %zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, URL(tt.in))
		})
	}
}

func TestEnvValue(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"API_TOKEN", "tok-2b7e151628aed2a6", Marker},
		{"db_password", "second-line", Marker},
		{"AZURE_CLIENT_SECRET", "x", Marker},
		{"STORAGE_SAS_URL", "https://a/c?sig=x&se=1", Marker},
		{"BASIC_AUTH", "u:p", Marker},
		{"EMPTY_KEY", "", ""},
		{"AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token", "/var/run/secrets/azure/tokens/azure-identity-token"},
		{"KEYVAULT_NAME", "kv-prod", "kv-prod"},
		{"LOG_LEVEL", "debug", "debug"},
		{"INNOCENT_NAME", fixtureJWT, Marker},
		{"BLOB_CONNECTION", "AccountName=a;AccountKey=" + fixtureKey, "AccountName=a;AccountKey=REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, EnvValue(tt.name, tt.value))
		})
	}
}

func TestSecretName(t *testing.T) {
	for _, name := range []string{"sig", "SIG", "skoid", "AccountKey", "SharedAccessKey", "SharedAccessSignature", "client_secret", "access_token", "--db-password", "apikey", "Pwd", "credentials"} {
		assert.True(t, SecretName(name), name)
	}
	for _, name := range []string{"se", "st", "sp", "sv", "sr", "ss", "srt", "spr", "sip", "SharedAccessKeyName", "AccountName", "comp", "restype", "--token-file", "keyid", "expiresOn"} {
		assert.False(t, SecretName(name), name)
	}
}

func TestKnown(t *testing.T) {
	k := NewKnown(
		"?sv=2025-01-05&se=2026-11-29T00:00:00Z&sp=rw&sig=abc%2Bdef%3D",
		"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey="+fixtureKey+";EndpointSuffix=core.windows.net",
		"Endpoint=sb://x/;SharedAccessSignature=sv=1&se=2026&sig=c2hhcmVkc2ln",
		"client-secret-value",
		"abc", // too short to hide literally
	)
	tests := []struct{ name, in, want string }{
		{"the signature outside a sig= pair, escaped and not", "string to sign ended abc%2Bdef%3D / abc+def=", "string to sign ended REDACTED / REDACTED"},
		{"the SAS expiry stays readable", "token expired (se=2026-11-29T00:00:00Z)", "token expired (se=2026-11-29T00:00:00Z)"},
		{"the account key alone", "key " + fixtureKey + " rejected", "key REDACTED rejected"},
		{"a SharedAccessSignature's signature", "c2hhcmVkc2ln", "REDACTED"},
		{"a bare configured secret", "secret client-secret-value refused", "secret REDACTED refused"},
		{"short values are not literals", "abc is fine", "abc is fine"},
		{"the policy still applies", "sig=other", "sig=REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, k.Text(tt.in))
		})
	}
	assert.Equal(t, "sig=REDACTED", Known{}.Text("sig=x"), "the zero value hides by policy")
}

func TestTextLeavesPlainTextAlone(t *testing.T) {
	// Describe output of an ordinary pod: nothing may change.
	in := strings.Repeat("Name:         web-6d4f\nLabels:       app=web\n              pod-template-hash=6d4f\nAnnotations:  <none>\nStatus:       Pending\n", 3)
	assert.Equal(t, in, Text(in))
}

// BenchmarkText measures the cost on a large describe text with a few
// credentials, the kube_objects case.
func BenchmarkText(b *testing.B) {
	in := strings.Repeat("Name:         web-6d4f\nLabels:       app=web\n              pod-template-hash=6d4f\nAnnotations:  <none>\nStatus:       Pending\n", 200) +
		"      STORAGE_SAS_URL:  https://a.blob.core.windows.net/c?sv=2024&sig=" + fixtureSig + "\n      TOKEN:  " + fixtureJWT + "\n"
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Text(in)
	}
}

func TestTextKeepsLines(t *testing.T) {
	// A header or member whose value is on the next line is not one: the
	// next line is not a credential by position.
	for _, in := range []string{"authorization:\n----\nplain", "{\"password\":\n\"x\"}", "\"token\": \"unterminated\nnext\": \"line\""} {
		assert.Equal(t, strings.Count(in, "\n"), strings.Count(Text(in), "\n"), in)
	}
	assert.Equal(t, "authorization:\n----\nBearer REDACTED", Text("authorization:\n----\nBearer tok-2b7e151628aed2a6"))
}
