package diagnoserprocessor

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
)

// streamFixture is testdata/streams/<case>.json: records of the
// connectivity and kube_objects receivers (and any other), in batches as
// the pipeline delivers them. The run's collections end after EndAfter
// batches; later batches arrive as a DaemonSet's later probe rounds do.
type streamFixture struct {
	EndAfter int               `json:"endAfter"`
	Batches  [][]fixtureRecord `json:"batches"`
}

type fixtureRecord struct {
	Collector  string         `json:"collector"`
	Key        string         `json:"key"`
	Kind       string         `json:"kind"`
	Time       time.Time      `json:"time"`
	Body       string         `json:"body"`
	Attributes map[string]any `json:"attributes"`
}

// loadStreams reads a fixture; JSON numbers become integers, or doubles
// when written with a decimal point (60.0), as the receivers type them.
func loadStreams(t *testing.T, path string) streamFixture {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var f streamFixture
	require.NoError(t, dec.Decode(&f), path)
	return f
}

func typedNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			if n, err := x.Int64(); err == nil {
				return n
			}
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = typedNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = typedNumbers(e)
		}
	}
	return v
}

func (f streamFixture) batch(t *testing.T, i int) plog.Logs {
	t.Helper()
	b := newBatch(testRunID, testNode)
	for _, r := range f.Batches[i] {
		lr := b.sl.LogRecords().AppendEmpty()
		ts := pcommon.NewTimestampFromTime(r.Time)
		if !r.Time.IsZero() {
			lr.SetTimestamp(ts)
		}
		lr.Body().SetStr(r.Body)
		attrs := lr.Attributes()
		require.NoError(t, attrs.FromRaw(typedNumbers(r.Attributes).(map[string]any)))
		attrs.PutStr(layout.AttrCollector, r.Collector)
		attrs.PutStr(layout.AttrItemKey, r.Key)
		attrs.PutStr(layout.AttrItemKind, r.Kind)
	}
	return b.ld
}

// TestGoldenStreams: every record the diagnoser emits for each stream
// fixture, compared with testdata/golden-<case>.json (-update rewrites).
// Each rule reading a stream has a positive case (outbound-failing,
// workloads-broken) and a negative one (outbound-healthy,
// workloads-healthy); malformed holds records that cannot be judged.
func TestGoldenStreams(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "streams", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			f := loadStreams(t, path)
			r := startRun(t, &Config{})
			for i := range f.Batches {
				if i == f.EndAfter {
					r.end()
				}
				r.consume(f.batch(t, i))
			}
			if f.EndAfter >= len(f.Batches) {
				r.end()
			}
			got, err := json.MarshalIndent(r.emitted(), "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden-"+name+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got))
		})
	}
}

// TestStreamCodesHavePositiveAndNegativeFixtures: every code of the rules
// reading streams is emitted by its failing fixture and not by its healthy
// one, so a golden file cannot silently lose a case.
func TestStreamCodesHavePositiveAndNegativeFixtures(t *testing.T) {
	codesIn := func(name string) map[string]bool {
		data, err := os.ReadFile(filepath.Join("testdata", "golden-"+name+".json"))
		require.NoError(t, err)
		var records []outRecord
		require.NoError(t, json.Unmarshal(data, &records))
		codes := map[string]bool{}
		for _, r := range records {
			codes[r.Code] = true
		}
		return codes
	}
	for _, pair := range []struct {
		positive, negative string
		rules              []Rule
	}{
		{"outbound-failing", "outbound-healthy", []Rule{outboundFailures{}}},
		{"workloads-broken", "workloads-healthy", []Rule{podCrashLooping, podImagePullFailing, podPending{}, nodeConditions{}, maxPodsVsPodCIDR{}}},
		{"workloads-history", "workloads-history-healthy", []Rule{podCrashLooping, oomKills{}, probeFailures{}, podImagePullFailing, stuckTerminating{}, pdbBlocksDrain{}, nodesCordoned{}}},
	} {
		positive, negative := codesIn(pair.positive), codesIn(pair.negative)
		for _, r := range pair.rules {
			for _, code := range r.Spec().Codes {
				assert.True(t, positive[code], "%s not in golden-%s.json", code, pair.positive)
				assert.False(t, negative[code], "%s in golden-%s.json", code, pair.negative)
			}
		}
	}
}
