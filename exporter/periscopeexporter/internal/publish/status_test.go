package publish

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// status.json carries the diagnoser's counts and codes when it ran, and
// says so when its summary cannot be read; without it there is no field.
func TestStatusCarriesTheDiagnoses(t *testing.T) {
	tests := []struct {
		name    string
		summary string // "" = the diagnoser did not run
		want    *Diagnoses
		err     string
	}{
		{name: "no diagnoser"},
		{
			name:    "counts and codes",
			summary: `{"counts":{"ERROR":1,"WARN":2,"INFO":0},"codes":["DNS_CUSTOM_NAMESERVER","IPTABLES_DROPS_CLUSTER_TRAFFIC"],"signals":[]}`,
			want:    &Diagnoses{Error: 1, Warn: 2, Codes: []string{"DNS_CUSTOM_NAMESERVER", "IPTABLES_DROPS_CLUSTER_TRAFFIC"}},
		},
		{name: "nothing found", summary: `{"counts":{}}`, want: &Diagnoses{Codes: []string{}}},
		{name: "not its JSON", summary: `{"counts":`, err: "the diagnoser's summary diagnostics.json is not its JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := spooledRun(t, t.TempDir())
			if tt.summary != "" {
				require.NoError(t, os.WriteFile(filepath.Join(run.Dir, "diagnostics.json"), []byte(tt.summary), 0o644))
				run.Items["diagnostics.json"] = "diagnoser"
			}
			st, err := newStatus(run)
			require.NoError(t, err)
			assert.Equal(t, tt.want, st.Diagnoses)
			var diagErrs []string
			for _, e := range st.Errors {
				if e.Stage == StageDiagnoser {
					diagErrs = append(diagErrs, e.Message)
				}
			}
			if tt.err == "" {
				assert.Empty(t, diagErrs)
				return
			}
			require.Len(t, diagErrs, 1)
			assert.Contains(t, diagErrs[0], tt.err)
		})
	}
}

// What the one-shot run prints under a node's output line: ERROR then
// WARN signals, each in the diagnoser's order; INFO left to the log.
func TestDiagnosesFindingsErrorsFirstWithoutInfo(t *testing.T) {
	dir := t.TempDir()
	run := Run{Dir: dir, RunID: "r", Node: "n", Items: map[string]string{}}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "n.zip"), []byte("zip"), 0o644))
	st, err := newStatus(run)
	require.NoError(t, err)
	assert.Nil(t, st.Diagnoses, "no diagnoser, nothing to show")

	path := filepath.Join(dir, "diagnostics.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"signals": [
		{"severity": "WARN", "code": "DNS_CUSTOM_NAMESERVER", "summary": "custom DNS 8.8.8.8"},
		{"severity": "INFO", "code": "INSUFFICIENT_DATA", "summary": "not judged"},
		{"severity": "ERROR", "code": "OUTBOUND_TCP_REFUSED", "summary": "mcr refused"},
		{"severity": "WARN", "code": "POD_PENDING", "summary": "2 pods Pending"},
		{"severity": "ERROR", "code": "NODE_NOT_READY", "summary": "1 node not Ready"}]}`), 0o644))
	d, err := ReadDiagnoses(path)
	require.NoError(t, err)
	assert.Equal(t, []Finding{
		{"ERROR", "OUTBOUND_TCP_REFUSED", "mcr refused"},
		{"ERROR", "NODE_NOT_READY", "1 node not Ready"},
		{"WARN", "DNS_CUSTOM_NAMESERVER", "custom DNS 8.8.8.8"},
		{"WARN", "POD_PENDING", "2 pods Pending"},
	}, d.Findings)

	require.NoError(t, os.WriteFile(path, []byte(`{"signals": [`), 0o644))
	_, err = ReadDiagnoses(path)
	assert.ErrorContains(t, err, "diagnostics.json is not its JSON")
}
