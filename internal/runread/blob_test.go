package runread

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseBlobURL(t *testing.T) {
	for _, tc := range []struct {
		raw, container, path string
	}{
		{"https://acct.blob.core.windows.net/periscope?sv=1&se=2026-01-01T00:00:00Z&sig=abc",
			"https://acct.blob.core.windows.net/periscope?sv=1&se=2026-01-01T00:00:00Z&sig=abc", ""},
		{"https://acct.blob.core.windows.net/periscope/2026-11-28T12-00-00Z/node-1/node-1.zip?sig=abc",
			"https://acct.blob.core.windows.net/periscope?sig=abc", "2026-11-28T12-00-00Z/node-1/node-1.zip"},
		{"http://127.0.0.1:10000/devstoreaccount1/c/2026-11-28T12-00-00Z?sig=x",
			"http://127.0.0.1:10000/devstoreaccount1/c?sig=x", "2026-11-28T12-00-00Z"},
		{"https://acct.blob.core.windows.net/c/run/AKS%20API%20Server", "https://acct.blob.core.windows.net/c", "run/AKS API Server"},
	} {
		ref, err := ParseBlobURL(tc.raw)
		require.NoError(t, err, tc.raw)
		assert.Equal(t, tc.container, ref.Container, tc.raw)
		assert.Equal(t, tc.path, ref.Path, tc.raw)
		assert.NotContains(t, ref.Where, "sig=", "no secret in messages")
	}
	ref, err := ParseBlobURL("https://acct.blob.core.windows.net/c?se=2026-01-01T00:00:00Z&sig=s")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ref.Expiry)
	for _, bad := range []string{"ftp://x/c", "https://acct.blob.core.windows.net/", "http://127.0.0.1:10000/devstoreaccount1?sig=secret"} {
		_, err := ParseBlobURL(bad)
		require.Error(t, err, bad)
		assert.NotContains(t, err.Error(), "secret")
	}
}

func FuzzParseBlobURL(f *testing.F) {
	f.Add("https://acct.blob.core.windows.net/c/run/node/node.zip?sig=abc&se=2026-01-01")
	f.Add("http://127.0.0.1:10000/devstoreaccount1/c?sig=x")
	f.Fuzz(func(t *testing.T, raw string) {
		ref, err := ParseBlobURL(raw)
		if err != nil {
			if strings.Contains(raw, "sig=zzsecret") && strings.Contains(err.Error(), "zzsecret") {
				t.Fatalf("the signature in the error: %v", err)
			}
			return
		}
		if strings.Contains(ref.Where, "?") {
			t.Fatalf("query in Where %q", ref.Where)
		}
	})
}

func TestLooksLikeRunID(t *testing.T) {
	assert.True(t, looksLikeRunID("2026-11-28T12-00-00Z"))
	for _, s := range []string{"node-1", "cluster", "2026-11-28T12:00:00Z", "2026-11-28T12-00-00"} {
		assert.False(t, looksLikeRunID(s), s)
	}
}
