package dnsconfigreceiver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactCorefile(t *testing.T) {
	tests := []struct {
		name, in, want string
		n              int
	}{
		{
			name: "no credential directives: unchanged",
			in:   ".:53 {\n    forward . /etc/resolv.conf\n    cache 30\n}\n",
			want: ".:53 {\n    forward . /etc/resolv.conf\n    cache 30\n}\n",
		},
		{
			name: "azure plugin client secret",
			in:   "azure rg:example.org {\n    tenant 1111\n    client 2222\n    secret s3cr3t-VALUE\n}\n",
			want: "azure rg:example.org {\n    tenant 1111\n    client 2222\n    secret REDACTED\n}\n",
			n:    1,
		},
		{
			name: "tsig key name and key, comment kept",
			in:   "tsig {\n  secret key.example. c2VjcmV0 # the TSIG key\n}\n",
			want: "tsig {\n  secret REDACTED REDACTED # the TSIG key\n}\n",
			n:    2,
		},
		{
			name: "route53 access key pair",
			in:   "route53 example.org.:Z1 {\n\taws_access_key AKIAEXAMPLE wJalrXUtnFEMI\n\tcredentials default /root/.aws/credentials\n}\n",
			want: "route53 example.org.:Z1 {\n\taws_access_key REDACTED REDACTED\n\tcredentials default /root/.aws/credentials\n}\n",
			n:    2,
		},
		{
			name: "etcd credentials, but not clouddns's credentials file",
			in:   "etcd {\n  credentials root hunter2\n}\nclouddns example.org.:p:z {\n  credentials /etc/gcp.json\n}\n",
			want: "etcd {\n  credentials REDACTED REDACTED\n}\nclouddns example.org.:p:z {\n  credentials /etc/gcp.json\n}\n",
			n:    2,
		},
		{
			name: "environment references name the secret's source and stay",
			in:   "azure rg:z {\n  secret {$AZURE_CLIENT_SECRET}\n}\n",
			want: "azure rg:z {\n  secret {$AZURE_CLIENT_SECRET}\n}\n",
		},
		{
			// Found by FuzzRedactCorefile: after a quoted word "#" starts a
			// comment, after a plain one it is part of the word, so a
			// quoted secret stays quoted or a second pass would differ.
			name: "a quoted secret followed by a comment stays quoted",
			in:   "secret \"\"# note\n",
			want: "secret \"REDACTED\"# note\n",
			n:    1,
		},
		{
			name: "a quoted secret spanning lines is one word",
			in:   "secret \"line one\nline two\" tail\nnext line\n",
			want: "secret \"REDACTED\" REDACTED\nnext line\n",
			n:    2,
		},
		{
			name: "a hash inside a word is part of the word",
			in:   "secret ab#cd\n",
			want: "secret REDACTED\n",
			n:    1,
		},
		{
			name: "a commented-out secret line is a comment",
			in:   "# secret old-value\nsecretive x\n",
			want: "# secret old-value\nsecretive x\n",
		},
		{
			name: "CRLF line ends kept",
			in:   "secret abc\r\nforward . 8.8.8.8\r\n",
			want: "secret REDACTED\r\nforward . 8.8.8.8\r\n",
			n:    1,
		},
		{
			name: "unbalanced braces and an unterminated quote",
			in:   "}\n}\netcd {\ncredentials u \"p w",
			want: "}\n}\netcd {\ncredentials REDACTED REDACTED",
			n:    2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := redactCorefile(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.n, n)
		})
	}
}

// The redactor is a lexer over untrusted ConfigMap text: it must not
// panic, must keep the line structure, must be idempotent, and must leave
// text without credential directives alone.
func FuzzRedactCorefile(f *testing.F) {
	f.Add(".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n")
	f.Add("azure rg:z {\n  secret abc\n}\n")
	f.Add("secret \"a\\\"b\nc\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		out, n := redactCorefile(in)
		if n == 0 && out != in {
			t.Fatalf("nothing counted but text changed: %q -> %q", in, out)
		}
		if strings.Count(out, "\n") > strings.Count(in, "\n") {
			t.Fatalf("lines added: %q -> %q", in, out)
		}
		again, n2 := redactCorefile(out)
		if again != out || n2 != 0 {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
		if !strings.Contains(in, "secret") && !strings.Contains(in, "aws_access_key") && !strings.Contains(in, "credentials") && out != in {
			t.Fatalf("text without credential directives changed: %q -> %q", in, out)
		}
	})
}

// BenchmarkRedactCorefile: a coredns-custom fragment with an azure block,
// the case that is lexed (text without credential directives is returned
// after a substring check).
func BenchmarkRedactCorefile(b *testing.B) {
	in := strings.Repeat("contoso.private:53 {\n    azure rg:contoso.private {\n        tenant t\n        client c\n        secret s3cr3t\n    }\n    cache 30\n}\n", 20)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		redactCorefile(in)
	}
}

// ConfigMap values also get the project's policy: a credential by shape
// (a JWT, a password in a URL) is hidden wherever it is, and counted.
func TestRedactValueAppliesTheProjectPolicy(t *testing.T) {
	in := "forward . https://user:hunter2@dns.example/dns-query\nsecret abc\n# token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl\n"
	got, n := redactValue(in)
	assert.Equal(t, "forward . https://user:REDACTED@dns.example/dns-query\nsecret REDACTED\n# token REDACTED\n", got)
	assert.Equal(t, 3, n)
}
