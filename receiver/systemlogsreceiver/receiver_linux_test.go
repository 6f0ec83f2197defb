package systemlogsreceiver

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/receiver/systemlogsreceiver/internal/metadata"
)

// The real journald receivers on this machine's journalctl: stopping them
// (what every new run ID does) logs no error.
func TestStoppingJournalctlIsNoError(t *testing.T) {
	if _, err := exec.LookPath("/usr/bin/journalctl"); err != nil {
		t.Skip("no /usr/bin/journalctl on this machine")
	}
	core, logs := observer.New(zapcore.DebugLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	cfg := createDefaultConfig().(*Config)
	sink := &consumertest.LogsSink{}
	r, err := newReceiver(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, r.Shutdown(context.Background()))
	// journald reports journalctl's end from its own goroutine, after Stop.
	require.Eventually(t, func() bool {
		return logs.FilterMessage("journalctl stopped with its pipeline").Len() == len(cfg.Units)
	}, 10*time.Second, 20*time.Millisecond, "every unit's journalctl reported stopped; logs: %v", logs.All())
	for _, e := range logs.All() {
		assert.Less(t, e.Level, zapcore.WarnLevel, "%s: %v", e.Message, e.ContextMap())
	}
}
