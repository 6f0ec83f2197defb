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

// Collect lists the release Secrets and renders them. A failed list is an
// error record on helm_list; when every list failed there is no table (an
// empty one would look like a cluster without releases).
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	snap := runcontrol.NewSnapshot()
	sl := snap.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	inv, listed, errs := c.list(ctx)
	now := c.now()
	for _, err := range errs {
		c.logger.Warn("Helm releases not collected", zap.Error(err))
		layout.AppendError(sl, collectorName, keyList, err, now)
	}
	if listed {
		inv.render(sl, now)
	}
	return snap
}

// list gathers the release Secrets of every configured namespace (all
// namespaces when none is); listed says whether at least one list worked.
func (c *collector) list(ctx context.Context) (inv *inventory, listed bool, errs []error) {
	server, err := c.findServer(c.cfg.Kubeconfig, userAgent, c.cfg.RequestTimeout)
	if err != nil {
		return nil, false, []error{err}
	}
	cs, err := kubernetes.NewForConfig(server.Config)
	if err != nil {
		return nil, false, []error{server.Wrap(fmt.Errorf("create client: %w", err))}
	}
	inv = newInventory()
	namespaces := c.cfg.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	for _, ns := range namespaces {
		if err := listNamespace(ctx, cs, ns, inv); err != nil {
			where := "all namespaces"
			if ns != metav1.NamespaceAll {
				where = "namespace " + ns
			}
			what := "list secrets in " + where + " (" + helmrelease.OwnerSelector + ", type " + helmrelease.SecretType + ")"
			if apierrors.IsForbidden(err) {
				errs = append(errs, kubeclient.Explain(err, what))
			} else {
				errs = append(errs, server.Wrap(kubeclient.Explain(err, what)))
			}
			continue
		}
		listed = true
	}
	return inv, listed, errs
}

func listNamespace(ctx context.Context, cs kubernetes.Interface, ns string, inv *inventory) error {
	opts := selector
	for {
		page, err := cs.CoreV1().Secrets(ns).List(ctx, opts)
		if err != nil {
			return err
		}
		for i := range page.Items {
			inv.add(&page.Items[i])
		}
		if page.Continue == "" {
			return nil
		}
		opts.Continue = page.Continue
	}
}
