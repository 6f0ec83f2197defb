package publish

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The Azure CLI's derivation, case by case, including its quirk on
// private FQDNs (no ".hcp.": the last character is dropped).
func TestContainerNameFromFQDN(t *testing.T) {
	long := strings.Repeat("a", 62) + ".bcd" + ".hcp.westeurope.azmk8s.io"
	tests := []struct {
		name, fqdn, want string
	}{
		{"public FQDN", "mycluster-dns-1a2b3c4d.hcp.eastus.azmk8s.io", "mycluster-dns-1a2b3c4d"},
		{"public FQDN with dots before .hcp.", "my.cluster.hcp.eastus.azmk8s.io", "my-cluster"},
		{"private FQDN drops its last character", "mycluster-dns-1a2b3c4d.3f1e2d.privatelink.eastus.azmk8s.io", "mycluster-dns-1a2b3c4d-3f1e2d-privatelink-eastus-azmk8s-i"},
		{"private FQDN cut at 63 characters", "aks-private-dns-12345678.0a1b2c3d-4e5f-6789-abcd-ef0123456789.privatelink.westeurope.azmk8s.io", "aks-private-dns-12345678-0a1b2c3d-4e5f-6789-abcd-ef0123456789-p"},
		{"a dash left by the 63-character cut is stripped", long, strings.Repeat("a", 62)},
		{"cut leaving a trailing dash", "abc-.hcp.x", "abc"},
		{"empty", "", ""},
		{"one character", "a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ContainerNameFromFQDN(tt.fqdn)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), 63)
		})
	}
}

func TestCheckContainerName(t *testing.T) {
	tests := []struct{ name, err string }{
		{"periscope", ""},
		{"mycluster-dns-1a2b3c4d", ""},
		{"ab", "must be 3 to 63 characters long"},
		{strings.Repeat("a", 64), "must be 3 to 63 characters long"},
		{"My-Cluster", "only lowercase letters, digits and dashes"},
		{"a_b_c", "only lowercase letters, digits and dashes"},
		{"-abc", "a dash must sit between letters or digits"},
		{"abc-", "a dash must sit between letters or digits"},
		{"ab--c", "a dash must sit between letters or digits"},
	}
	for _, tt := range tests {
		err := checkContainerName(tt.name)
		if tt.err == "" {
			assert.NoError(t, err, tt.name)
			continue
		}
		assert.ErrorContains(t, err, tt.err, tt.name)
		assert.ErrorContains(t, err, `"`+tt.name+`"`, "the message names the value")
	}
}
