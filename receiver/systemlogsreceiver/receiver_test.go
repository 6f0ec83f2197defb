package systemlogsreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// journald's "journalctl command exited" is an error while the receiver
// runs (journalctl died by itself) and a debug line once it stops it.
func TestQuietStopLowersOnlyTheStoppedJournalctl(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	r := &systemLogs{}
	logger := zap.New(core).WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return &quietStop{Core: c, stopping: &r.stopping}
	})).With(zap.String("otelcol.component.id", "journald/x"))

	logger.Error(journalctlExited, zap.Error(assert.AnError))
	r.stopping.Store(true)
	logger.Error(journalctlExited, zap.Error(assert.AnError))
	logger.Error("Received from journalctl stderr")

	var got []string
	for _, e := range logs.All() {
		got = append(got, e.Level.String()+" "+e.Message)
	}
	assert.Equal(t, []string{"error " + journalctlExited, "error Received from journalctl stderr"}, got)
}
