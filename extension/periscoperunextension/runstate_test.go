package periscoperunextension

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap"
)

func TestCompletedRunSurvivesARestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	first := newRunState(&Config{RunID: "run-1", StateDirectory: dir}, zap.NewNop())
	require.NoError(t, first.Start(context.Background(), componenttest.NewNopHost()))
	assert.False(t, first.Completed())
	require.NoError(t, first.MarkCompleted("run-1"))
	assert.True(t, first.Completed())

	restarted := newRunState(&Config{RunID: "run-1", StateDirectory: dir}, zap.NewNop())
	require.NoError(t, restarted.Start(context.Background(), componenttest.NewNopHost()))
	assert.True(t, restarted.Completed(), "same run after a restart: already done")

	next := newRunState(&Config{RunID: "run-2", StateDirectory: dir}, zap.NewNop())
	require.NoError(t, next.Start(context.Background(), componenttest.NewNopHost()))
	assert.False(t, next.Completed(), "a new run ID collects")
}

func TestWithoutStateDirectoryNothingIsRemembered(t *testing.T) {
	r := newRunState(&Config{RunID: "run-1"}, zap.NewNop())
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, r.MarkCompleted("run-1"))
	assert.True(t, r.Completed())
	again := newRunState(&Config{RunID: "run-1"}, zap.NewNop())
	require.NoError(t, again.Start(context.Background(), componenttest.NewNopHost()))
	assert.False(t, again.Completed())
}

func TestUnusableStateDirectoryIsNamed(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	r := newRunState(&Config{RunID: "run-1", StateDirectory: filepath.Join(blocker, "state")}, zap.NewNop())
	assert.ErrorContains(t, r.Start(context.Background(), componenttest.NewNopHost()), `state_directory "`+filepath.Join(blocker, "state")+`"`)
}

func TestValidate(t *testing.T) {
	withRunID := func(id string) *Config {
		c := createDefaultConfig().(*Config)
		c.RunID = id
		return c
	}
	assert.ErrorContains(t, withRunID("").Validate(), "run_id must not be empty")
	assert.ErrorContains(t, withRunID("a/b").Validate(), "path separator")
	assert.NoError(t, withRunID("2026-11-28T12-00-00Z").Validate())
	bad := withRunID("2026-11-28T12-00-00Z")
	bad.ClusterScope.Lease = "on"
	assert.EqualError(t, bad.Validate(), `cluster_scope.lease "on": want "auto" or "off"`)
}
