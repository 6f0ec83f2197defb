package notcollectedreceiver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		cfg     Config
		wantErr string
	}{
		{cfg: Config{Collector: "osm", Reason: "archived"}},
		{cfg: Config{Collector: "osm", Item: "osm-controller", Reason: "archived"}},
		{cfg: Config{Reason: "archived"}, wantErr: "collector must name a Periscope collector"},
		{cfg: Config{Collector: "osm"}},
		{cfg: Config{Collector: "smi", Reason: " "}},
		{cfg: Config{Collector: "other", Reason: " "}, wantErr: `reason must say why collector "other" is not collected`},
		{cfg: Config{Collector: "osm", Item: "../x", Reason: "r"}, wantErr: `collector "osm", item "../x"`},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.wantErr == "" {
			assert.NoError(t, err, "%+v", tt.cfg)
			continue
		}
		assert.ErrorContains(t, err, tt.wantErr, "%+v", tt.cfg)
	}
}

// Every run gets one error record for the item, saying why.
func TestCollectNamesTheCollector(t *testing.T) {
	snap := newNotice(&Config{Collector: "smi", Reason: "the SMI specification is archived"}).Collect(context.Background())
	require.Equal(t, 1, snap.Logs.LogRecordCount())
	lr := snap.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	attrs := lr.Attributes().AsRaw()
	assert.Equal(t, "smi", attrs[layout.AttrCollector])
	assert.Equal(t, "smi", attrs[layout.AttrItemKey])
	assert.Equal(t, string(layout.KindError), attrs[layout.AttrItemKind])
	assert.Equal(t, "not collected: the SMI specification is archived", attrs[layout.AttrError])
}

func TestKnownReasons(t *testing.T) {
	snap := newNotice(&Config{Collector: "osm"}).Collect(context.Background())
	lr := snap.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Contains(t, lr.Body().Str(), "not collected: COLLECTOR_LIST asks for OSM, which otelcol-periscope does not collect: the Open Service Mesh project is archived.")
}
