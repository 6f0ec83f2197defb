package publish

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hook sees every state status.json is written in, before it is
// written, and what it adds is in the file (the Diagnostic object's
// problems are recorded this way).
func TestRecordHookSeesEveryRecordBeforeItIsWritten(t *testing.T) {
	tests := []struct {
		name   string
		store  *dirStore
		states []string // delivered / delivery error, per write
	}{
		{"local", nil, []string{"delivered"}},
		{"upload", &dirStore{}, []string{"pending", "delivered"}},
		{"upload fails at the zip", &dirStore{failAt: "2026-11-28T12-00-00Z/node-a/node-a.zip", failed: errors.New("container gone")},
			[]string{"pending", "failed: container gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *Publisher
			if tt.store == nil {
				p = New(nil)
			} else {
				tt.store.root = t.TempDir()
				p = New(tt.store)
			}
			var states, wheres []string
			p.OnRecord(func(where, dir string, st *Status) {
				state := "pending"
				switch {
				case len(st.Errors) > 0 && st.Errors[len(st.Errors)-1].Stage == StageDelivery:
					state = "failed: " + st.Errors[len(st.Errors)-1].Message
				case st.Delivered:
					state = "delivered"
				}
				states = append(states, state)
				wheres = append(wheres, where)
				st.Errors = append(st.Errors, Error{Stage: "hook", Message: state})
			})
			run := spooledRun(t, t.TempDir())
			_, _ = p.Publish(context.Background(), run)
			assert.Equal(t, tt.states, states)
			for _, w := range wheres {
				assert.Equal(t, p.Where(run.Dir, run.RunID, run.Node), w)
			}
			st, err := ReadStatus(run.Dir)
			require.NoError(t, err)
			last := st.Errors[len(st.Errors)-1]
			assert.Equal(t, Error{Stage: "hook", Message: tt.states[len(tt.states)-1]}, last)
		})
	}
}
