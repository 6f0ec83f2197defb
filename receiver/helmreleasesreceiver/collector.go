package helmreleasesreceiver

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/periscope-otel/periscope/internal/helmrelease"
	"github.com/periscope-otel/periscope/internal/kubeclient"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/helmreleasesreceiver/internal/metadata"
)

// userAgent identifies the receiver in API server audit logs.
const userAgent = "otelcol-periscope/helm_releases"

// listChunk bounds the Secrets in memory at once: a release Secret holds
// up to 1 MiB, and only its decoded summary is kept.
const listChunk = 50

// selector reads Helm's release Secrets and no other: the label Helm puts
// on them and their type, both applied by the API server.
var selector = metav1.ListOptions{
	LabelSelector: helmrelease.OwnerSelector,
	FieldSelector: fields.OneTermEqualSelector("type", helmrelease.SecretType).String(),
	Limit:         listChunk,
}

type collector struct {
	cfg        *Config
	logger     *zap.Logger
	now        func() time.Time
	findServer func(kubeconfig, userAgent string, timeout time.Duration) (kubeclient.Server, error)
}

func newCollector(cfg *Config, logger *zap.Logger) *collector {
	return &collector{cfg: cfg, logger: logger, now: time.Now, findServer: kubeclient.Find}
}

// Check has nothing to verify at start: where the API server is, and
// whether it answers, are collection-time questions, reported as records.
func (c *collector) Check() error { return nil }

// Collect lists the release Secrets of every namespace and renders them.
// A failed list is one error record on helm_list: a partial table would
// look complete.
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	snap := runcontrol.NewSnapshot()
	sl := snap.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	inv, err := c.list(ctx)
	now := c.now()
	if err != nil {
		c.logger.Warn("Helm releases not collected", zap.Error(err))
		layout.AppendError(sl, collectorName, keyList, err, now)
		return snap
	}
	inv.render(sl, now)
	return snap
}

func (c *collector) list(ctx context.Context) (*inventory, error) {
	server, err := c.findServer(c.cfg.Kubeconfig, userAgent, c.cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(server.Config)
	if err != nil {
		return nil, server.Wrap(fmt.Errorf("create client: %w", err))
	}
	inv := newInventory()
	opts := selector
	for {
		page, err := cs.CoreV1().Secrets(metav1.NamespaceAll).List(ctx, opts)
		if err != nil {
			what := "list secrets in all namespaces (" + helmrelease.OwnerSelector + ", type " + helmrelease.SecretType + ")"
			if apierrors.IsForbidden(err) {
				return nil, fmt.Errorf("forbidden: %s: %w", what, err)
			}
			return nil, server.Wrap(fmt.Errorf("%s: %w", what, err))
		}
		for i := range page.Items {
			inv.add(&page.Items[i])
		}
		if page.Continue == "" {
			return inv, nil
		}
		opts.Continue = page.Continue
	}
}
