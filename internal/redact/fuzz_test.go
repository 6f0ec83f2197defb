package redact

import (
	"strings"
	"testing"
)

// fuzzSecret is the fixture credential the fuzz target plants; it fits
// every shape below (base64url letters and digits).
const fuzzSecret = "c2VjcmV0Rml4dHVyZQ"

// fuzzShapes are the forms the policy promises to hide, each holding
// fuzzSecret.
var fuzzShapes = []string{
	"https://acct.blob.core.windows.net/c?sv=2025-01-05&se=2026-11-29&sp=rw&sig=" + fuzzSecret,
	"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + fuzzSecret + ";EndpointSuffix=core.windows.net",
	"Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=" + fuzzSecret,
	"--db-password=" + fuzzSecret,
	"Authorization: SharedKey acct:" + fuzzSecret,
	"Bearer " + fuzzSecret,
	`{"client_secret": "` + fuzzSecret + `"}`,
	"https://user:" + fuzzSecret + "@proxy.example.test/",
	"-----BEGIN RSA PRIVATE KEY-----\n" + fuzzSecret + "\n-----END RSA PRIVATE KEY-----",
	"eyJhbGciOiJSUzI1NiJ9." + fuzzSecret + ".c2lnbmF0dXJl",
}

// FuzzText: whatever text surrounds a credential in a promised shape, no
// function returns the credential, none panics, Text is stable (redacting
// its output again changes nothing) and keeps the number of lines.
func FuzzText(f *testing.F) {
	f.Add("", "", uint8(0))
	f.Add("Put \"", "\": dial tcp 127.0.0.1:443: connection refused", uint8(0))
	f.Add("    Environment:\n      API_TOKEN:", "    Mounts:  <none>", uint8(3))
	f.Add("Authorization:", "x-ms-version: 2025-01-05", uint8(4))
	f.Add("-----BEGIN PRIVATE KEY-----", "", uint8(8))
	f.Add(`{"password": "`, `"}`, uint8(6))
	f.Add("sig=REDACTED&", "&se=2026", uint8(1))
	known := NewKnown("?sv=1&sig="+fuzzSecret, "AccountKey="+fuzzSecret)
	f.Fuzz(func(t *testing.T, before, after string, shape uint8) {
		if strings.Contains(before+after, fuzzSecret) {
			return // the secret must come from the planted shape only
		}
		s := before + "\n" + fuzzShapes[int(shape)%len(fuzzShapes)] + "\n" + after
		for name, out := range map[string]string{
			"Text":             Text(s),
			"URL":              URL(s),
			"EnvValue(secret)": EnvValue("API_TOKEN", s),
			"EnvValue(plain)":  EnvValue("GREETING", s),
			"Known.Text":       known.Text(s),
		} {
			if strings.Contains(out, fuzzSecret) {
				t.Fatalf("%s left the secret in %q (from %q)", name, out, s)
			}
		}
		plain := before + after
		once := Text(plain)
		if twice := Text(once); twice != once {
			t.Fatalf("not stable:\n%q\n%q", once, twice)
		}
		// Line-oriented text keeps its lines; only a private key block,
		// hidden whole, may take some.
		if !strings.Contains(plain, "PRIVATE KEY-----") && strings.Count(once, "\n") != strings.Count(plain, "\n") {
			t.Fatalf("line count changed: %q -> %q", plain, once)
		}
		_ = URL(before + after)
		_ = known.Text(before + after)
	})
}
