package kubeletargsreceiver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/kubelet"
)

func TestSensitiveName(t *testing.T) {
	secret := []string{
		"token", "bootstrap-token", "registry-password", "clientSecret", "client_secret", "apiKey",
		"staticPodURLHeader", "sasToken", "dbpassword", "credentials", "private-key",
	}
	plain := []string{
		"bootstrap-kubeconfig", "tls-private-key-file", "tokenFile", "image-credential-provider-config",
		"image-credential-provider-bin-dir", "azure-container-registry-config", "node-labels", "keep-terminated-pod-volumes",
		"kubeconfig", "max-pods", "authorization", "tlsPrivateKeyFile", "clientCAFile", "",
	}
	for _, n := range secret {
		assert.True(t, sensitiveName(n), n)
	}
	for _, n := range plain {
		assert.False(t, sensitiveName(n), n)
	}
}

func TestSplitWords(t *testing.T) {
	assert.Equal(t, []string{"static", "pod", "url", "header"}, splitWords("staticPodURLHeader"))
	assert.Equal(t, []string{"tls", "private", "key", "file"}, splitWords("--tls-private-key-file"[2:]))
	assert.Equal(t, []string{"image", "gc", "high", "threshold", "percent"}, splitWords("imageGCHighThresholdPercent"))
	assert.Equal(t, []string{"client", "ca", "file"}, splitWords("clientCAFile"))
}

func TestRedactArgs(t *testing.T) {
	args := []string{"kubelet", "--token=abc", "--password", "p", "--authentication-token-webhook=true", "--api-key",
		"--flag=x", "positional-eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "--tls-private-key-file=/k.key", "--bootstrap=abcdef.0123456789abcdef"}
	out, names := redactArgs(args, cmdline.Parse(args, kubelet.IsBoolean))
	assert.Equal(t, []string{"kubelet", "--token=REDACTED", "--password", "REDACTED", "--authentication-token-webhook=true", "--api-key",
		"--flag=x", "positional-REDACTED", "--tls-private-key-file=/k.key", "--bootstrap=REDACTED"}, out)
	assert.Equal(t, []string{"token", "password", "argument 7", "bootstrap"}, names)
	assert.Equal(t, "abc", strings.TrimPrefix(args[1], "--token="), "the input is not modified")
}

func TestRedactConfig(t *testing.T) {
	tests := []struct {
		name, in, out string
		hidden        []string
		err           string
	}{
		{
			name: "nothing to hide keeps the file byte for byte",
			in:   "{\n  \"kind\": \"KubeletConfiguration\",\n  \"maxPods\": 30\n}\n",
			out:  "{\n  \"kind\": \"KubeletConfiguration\",\n  \"maxPods\": 30\n}\n",
		},
		{
			name:   "a secret field in JSON",
			in:     `{"kind": "KubeletConfiguration", "clientSecret": "abc", "enabledToken": true}`,
			out:    "{\"kind\": \"KubeletConfiguration\", \"clientSecret\": \"REDACTED\", \"enabledToken\": true}\n",
			hidden: []string{"clientSecret"},
		},
		{
			name:   "not YAML: hidden line by line",
			in:     "kind: KubeletConfiguration\n\tpassword: hunter2\n  other: [unclosed\n",
			out:    "kind: KubeletConfiguration\n\tpassword: REDACTED\n  other: [unclosed\n",
			hidden: []string{"line 2"},
			err:    "not YAML or JSON",
		},
		{
			name:   "a SAS signature in a comment: the project's text policy",
			in:     "kind: KubeletConfiguration\n# pods from https://a.blob.core.windows.net/p?sv=2022-11-02&se=2026-12-01&sig=c2lnbmF0dXJl\nmaxPods: 30\n",
			out:    "kind: KubeletConfiguration\n# pods from https://a.blob.core.windows.net/p?sv=2022-11-02&se=2026-12-01&sig=REDACTED\nmaxPods: 30\n",
			hidden: []string{"credential-shaped text"},
		},
		{
			name: "not a mapping",
			in:   "- a\n- b\n",
			out:  "- a\n- b\n",
			err:  "not a mapping of settings",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, hidden, err := redactConfig([]byte(tt.in))
			assert.Equal(t, tt.out, string(out))
			assert.Equal(t, tt.hidden, hidden)
			if tt.err == "" {
				require.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tt.err)
			}
		})
	}
}
