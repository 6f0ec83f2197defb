package diagnoserprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProbesMergeIntoWindows(t *testing.T) {
	at := func(s int) time.Time { return fixedNow.Add(time.Duration(s) * time.Second) }
	ok := func(s int, interval time.Duration) probe {
		return probe{target: "mcr", typ: "Microsoft Container Registry", at: at(s), ok: true, interval: interval}
	}
	failed := func(s int, class string, status int64) probe {
		return probe{target: "mcr", at: at(s), class: class, message: "x", httpStatus: status, interval: time.Minute}
	}
	tests := []struct {
		name   string
		probes []probe
		want   []int // probes per window
	}{
		{"one state on schedule", []probe{ok(0, time.Minute), ok(60, time.Minute), ok(121, time.Minute)}, []int{3}},
		{"a late tick is the same schedule", []probe{ok(0, time.Minute), ok(89, time.Minute)}, []int{2}},
		{"missed rounds start a new window", []probe{ok(0, time.Minute), ok(60, time.Minute), ok(300, time.Minute)}, []int{2, 1}},
		{"a state change starts a new window", []probe{ok(0, time.Minute), failed(60, "dns", 0), failed(120, "dns", 0), ok(180, time.Minute)}, []int{1, 2, 1}},
		{"another class is another state", []probe{failed(0, "dns", 0), failed(60, "timeout", 0)}, []int{1, 1}},
		{"another HTTP status is another state", []probe{failed(0, "http_status", 403), failed(60, "http_status", 502)}, []int{1, 1}},
		{"once per run never merges", []probe{ok(0, 0), ok(1, 0)}, []int{1, 1}},
		{"a probe older than the window starts a new one", []probe{ok(60, time.Minute), ok(0, time.Minute)}, []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o outbound
			for _, p := range tt.probes {
				o.add(p)
			}
			require.Len(t, o.targets, 1)
			var got []int
			for _, w := range o.targets[0].windows {
				got = append(got, w.probes)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestWindowsAreBounded(t *testing.T) {
	var o outbound
	for i := range maxWindows + 10 {
		o.add(probe{target: "t", at: fixedNow.Add(time.Duration(i) * time.Minute), ok: i%2 == 0, class: "dns", interval: time.Minute})
	}
	w := o.targets[0].windows
	require.Len(t, w, maxWindows)
	assert.Equal(t, fixedNow.Add(10*time.Minute), w[0].first.at, "the oldest windows go first")
}

func TestFlagOverridingTheConfigFileConflicts(t *testing.T) {
	for _, tt := range []struct {
		name   string
		config map[string]any
		want   []string
	}{
		{"different max pods", map[string]any{"maxPods": int64(250), "clusterDomain": "cluster.local"},
			[]string{"kubeletcmd/kubeletcmd: --max-pods=110 overrides maxPods: 250 in kubeletcmd/kubeletconfig (the file's value is ignored)"}},
		{"equal values written differently", map[string]any{"maxPods": 110.0, "streamingConnectionIdleTimeout": "4h0m0s"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startRun(t, &Config{})
			b := newBatch(testRunID, testNode)
			b.doc(itemKubeletCmd, "/usr/bin/kubelet --max-pods=110 --streaming-connection-idle-timeout=4h --cluster-domain=cluster.local\n")
			require.NoError(t, b.doc(itemKubeletConfig, "").Attributes().PutEmptyMap(attrKubeletConfig).FromRaw(tt.config))
			r.consume(b.ld)
			r.end()
			s := r.signal("KUBELET_CONFLICTING_FLAGS")
			if tt.want == nil {
				assert.Nil(t, s)
				return
			}
			require.NotNil(t, s, "emitted %v", r.codes())
			assert.Equal(t, tt.want, s.Evidence)
		})
	}
}
