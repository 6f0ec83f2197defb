package clusterlease

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompletionRecord(t *testing.T) {
	var c completions
	c = c.with("r1", "kube_objects", "node-a-1")
	c = c.with("r1", "systemperf", "node-b-2")
	c = c.with("r2", "kube_objects", "node-b-2")

	by, ok := c.collectedBy("r1", "systemperf")
	assert.True(t, ok)
	assert.Equal(t, "node-b-2", by)
	_, ok = c.collectedBy("r2", "systemperf")
	assert.False(t, ok)
	_, ok = c.collectedBy("r3", "kube_objects")
	assert.False(t, ok)

	parsed, err := parseCompletions(map[string]string{AnnotationCompleted: c.encode()})
	require.NoError(t, err)
	assert.Equal(t, c, parsed, "encode and parse round-trip")

	// Only the most recent runs are kept; a run written again moves last.
	for i := range keptRuns + 3 {
		c = c.with(fmt.Sprintf("later-%d", i), "kube_objects", "node-a-1")
	}
	assert.Len(t, c, keptRuns)
	_, ok = c.collectedBy("r1", "kube_objects")
	assert.False(t, ok, "the oldest runs are dropped")
	c = c.with("later-3", "helm_releases", "node-c-3")
	assert.Equal(t, "later-3", c[len(c)-1].RunID)
	assert.Len(t, c, keptRuns)
}

func TestDamagedRecordIsAnError(t *testing.T) {
	_, err := parseCompletions(map[string]string{AnnotationCompleted: "{not json"})
	assert.ErrorContains(t, err, "annotation aks-periscope/completed:")
	c, err := parseCompletions(nil)
	require.NoError(t, err)
	assert.Empty(t, c)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"defaults", func(*Config) {}, ""},
		{"off ignores the rest", func(c *Config) { c.Lease, c.Name, c.LeaseDuration = LeaseOff, "", 0 }, ""},
		{"unknown mode", func(c *Config) { c.Lease = "always" }, `cluster_scope.lease "always": want "auto" or "off"`},
		{"no namespace", func(c *Config) { c.Namespace = "" }, "cluster_scope.namespace must not be empty"},
		{"no name", func(c *Config) { c.Name = "" }, "cluster_scope.name must not be empty"},
		{"sub-second lease", func(c *Config) {
			c.LeaseDuration = 500 * time.Millisecond
			c.RenewDeadline = 200 * time.Millisecond
			c.RetryPeriod = 100 * time.Millisecond
		}, "cluster_scope.lease_duration 500ms must be at least 1s"},
		{"renew not shorter", func(c *Config) { c.RenewDeadline = c.LeaseDuration }, "cluster_scope.renew_deadline 15s must be positive and shorter than lease_duration 15s"},
		{"retry not shorter", func(c *Config) { c.RetryPeriod = c.RenewDeadline }, "cluster_scope.retry_period 10s must be positive and shorter than renew_deadline 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}
