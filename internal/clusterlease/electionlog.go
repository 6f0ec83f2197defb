package clusterlease

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-logr/logr"
	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// electionLog is where client-go's leader election logs (it takes its
// logger from the context, klog.FromContext): this collector's log instead
// of klog's own lines on stderr. The election retries every retry_period,
// so what it says is progress, not a failure of the run: its messages are
// debug lines, except errors the next try does not settle by itself (a
// Lease that cannot be read or written), which are warnings. Losing a race
// for the Lease to another collector — creating it when another just did
// ("already exists"), updating a version another just changed ("conflict")
// — is how an election works, and stays at debug, as does a request cut
// short by the election's end. What matters to an
// operator, leading and why cluster-scoped collection is not coordinated,
// the Coordinator logs itself.
type electionLog struct {
	logger *zap.Logger
}

func newElectionLog(logger *zap.Logger) logr.Logger {
	return logr.New(&electionLog{logger: logger.With(zap.String("from", "client-go leader election"))})
}

func (*electionLog) Init(logr.RuntimeInfo) {}

func (l *electionLog) Enabled(int) bool { return l.logger.Core().Enabled(zap.DebugLevel) }

func (l *electionLog) Info(_ int, msg string, kv ...any) { l.logger.Debug(msg, fields(kv)...) }

func (l *electionLog) Error(err error, msg string, kv ...any) {
	fs := append(fields(kv), zap.Error(err))
	switch {
	case apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err):
		l.logger.Debug(msg+": another collector was first; the next try reads its Lease", fs...)
		return
	case errors.Is(err, context.Canceled):
		l.logger.Debug(msg+": the election was stopped", fs...)
		return
	}
	l.logger.Warn(msg+"; retried every retry_period", fs...)
}

func (l *electionLog) WithValues(kv ...any) logr.LogSink {
	return &electionLog{logger: l.logger.With(fields(kv)...)}
}

func (l *electionLog) WithName(name string) logr.LogSink {
	return &electionLog{logger: l.logger.Named(name)}
}

// fields turns logr's key/value pairs into zap fields.
func fields(kv []any) []zap.Field {
	out := make([]zap.Field, 0, (len(kv)+1)/2)
	for i := 0; i < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		if i+1 == len(kv) {
			out = append(out, zap.Any("EXTRA_VALUE", key))
			break
		}
		out = append(out, zap.Any(key, kv[i+1]))
	}
	return out
}
