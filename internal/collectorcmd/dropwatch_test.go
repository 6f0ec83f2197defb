package collectorcmd

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/internal/runcontrol"
)

func TestDroppedDataIsADeliveryFailure(t *testing.T) {
	tracker := runcontrol.NewTracker()
	core, logs := observer.New(zap.InfoLevel)
	logger := zap.New(core, watchDrops(tracker))

	otlp := logger.With(zap.String("otelcol.component.id", "otlp_grpc"), zap.String("otelcol.component.kind", "exporter"))
	otlp.Warn("Exporting failed. Will retry the request after interval.", zap.Error(errors.New("connection refused")))
	assert.NoError(t, tracker.DeliveryFailures(), "a retry is not a failure")

	otlp.Error("Exporting failed. Dropping data.", zap.Error(errors.New("https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=c2VjcmV0&se=2026-11-28: 403")), zap.Int("dropped_items", 7))
	err := tracker.DeliveryFailures()
	// The signature is hidden; the expiry stays, it explains the 403.
	assert.EqualError(t, err, "exporter otlp_grpc gave up 7 records: https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=REDACTED&se=2026-11-28: 403")
	assert.NotContains(t, err.Error(), "c2VjcmV0")

	periscope := logger.With(zap.String("otelcol.component.id", "periscope"))
	periscope.Error("Exporting failed. Rejecting data.", zap.Error(errors.New("x")), zap.Int("rejected_items", 1))
	assert.EqualError(t, tracker.DeliveryFailures(), err.Error(), "the periscope exporter reports its own failures")

	assert.Equal(t, 3, logs.Len(), "the log itself is unchanged")
}
