package publish

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRedactRemovesEverySecretForm(t *testing.T) {
	const sig = "Zm9vYmFyK2Jhei9xdXg9"
	const token = "?sv=2025-01-05&ss=b&srt=sco&sp=rwdlacup&se=2026-11-29T00:00:00Z&sig=" + sig
	const key = "c2VjcmV0a2V5c2VjcmV0a2V5"
	r := newRedactor(token, "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey="+key+";EndpointSuffix=core.windows.net")
	tests := []struct{ name, in, want string }{
		{"transport error URL",
			`Put "https://acct.blob.core.windows.net/c/r/n/f?sv=2025-01-05&ss=b&srt=sco&sp=rwdlacup&se=2026-11-29T00:00:00Z&sig=Zm9vYmFyK2Jhei9xdXg9": dial tcp: refused`,
			`Put "https://acct.blob.core.windows.net/c/r/n/f?sv=2025-01-05&ss=b&srt=sco&sp=rwdlacup&se=2026-11-29T00:00:00Z&sig=REDACTED": dial tcp: refused`},
		{"escaped signature of another token",
			`GET https://x/c?se=2026&sig=abc%2Bdef%3D&sp=r failed`,
			`GET https://x/c?se=2026&sig=REDACTED&sp=r failed`},
		{"signature alone", "sig is " + sig, "sig is " + Redacted},
		{"expiry and permissions of the configured token stay", "token expired: se=2026-11-29T00:00:00Z sp=rwdlacup", "token expired: se=2026-11-29T00:00:00Z sp=rwdlacup"},
		{"account key", "AccountKey=" + key + ";", "AccountKey=" + Redacted + ";"},
		{"another account key", "AccountKey=b3RoZXI=", "AccountKey=" + Redacted},
		{"identity parameters", "&skoid=1234&sktid=5678&", "&skoid=" + Redacted + "&sktid=" + Redacted + "&"},
		{"nothing secret", "container \"c\" does not exist", "container \"c\" does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.redact(tt.in)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, sig)
			assert.NotContains(t, got, key)
		})
	}
}

func TestParseSASTime(t *testing.T) {
	assert.Equal(t, time.Date(2026, 11, 29, 1, 2, 3, 0, time.UTC), parseSASTime("2026-11-29T01:02:03Z"))
	assert.Equal(t, time.Date(2026, 11, 29, 1, 2, 0, 0, time.UTC), parseSASTime("2026-11-29T01:02Z"))
	assert.Equal(t, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), parseSASTime("2026-11-29"))
	assert.True(t, parseSASTime("tomorrow").IsZero())
}
