package systemlogsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestValidate(t *testing.T) {
	valid := func() *Config { return createDefaultConfig().(*Config) }
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{name: "default", edit: func(*Config) {}},
		{name: "relative root", edit: func(c *Config) { c.RootPath = "hostroot" }, wantErr: `root_path "hostroot" must be an absolute path`},
		{name: "relative journalctl", edit: func(c *Config) { c.JournalctlPath = "journalctl" }, wantErr: `journalctl_path "journalctl" must be an absolute path on the node`},
		{name: "no units", edit: func(c *Config) { c.Units = nil }, wantErr: "units must name at least one systemd unit"},
		{name: "unit with a slash", edit: func(c *Config) { c.Units = []string{"a/b"} }, wantErr: `units: "a/b" is not a systemd unit name`},
		{name: "unit twice", edit: func(c *Config) { c.Units = []string{"kubelet", "kubelet"} }, wantErr: `units: "kubelet" is listed twice`},
		{name: "unit with a suffix", edit: func(c *Config) { c.Units = []string{"kubelet.service", "getty@tty1.service"} }},
		{name: "no check timeout", edit: func(c *Config) { c.CheckTimeout = 0 }, wantErr: "check_timeout 0s must be positive"},
		{name: "negative check timeout", edit: func(c *Config) { c.CheckTimeout = -time.Second }, wantErr: "check_timeout -1s must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.edit(c)
			err := c.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}
