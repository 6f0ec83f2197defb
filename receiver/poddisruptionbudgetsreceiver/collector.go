package poddisruptionbudgetsreceiver

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/describe"

	"github.com/periscope-otel/periscope/internal/kubeclient"
	"github.com/periscope-otel/periscope/internal/kubefacts"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/poddisruptionbudgetsreceiver/internal/metadata"
)

// Periscope's PDB collector named itself "poddisruptionbudget" (its zip
// folder) and its items pdb-<namespace>; COLLECTOR_LIST's documentation
// calls it "pdb", the name the config converter uses.
const (
	collectorName = "poddisruptionbudget"
	keyPrefix     = "pdb-"
	// keyList carries an error that concerns every namespace (the list).
	keyList = "pdb"
)

// Record attributes besides the layout ones.
const (
	attrNamespace = "k8s.namespace.name"
	attrNames     = "periscope.kube.names" // the budgets described in the item
)

// userAgent identifies the receiver in API server audit logs.
const userAgent = "otelcol-periscope/pod_disruption_budgets"

// listChunk is kubectl's default --chunk-size.
const listChunk = 500

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

// budget is one PDB to describe.
type budget struct {
	namespace, name string
	pdb             policyv1.PodDisruptionBudget
	pods            []string // matched by its selector: name@node
	text            string
	err             error
}

// Collect lists every budget once (all namespaces), describes each, and
// joins a namespace's descriptions as kubectl does for several objects.
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	snap := runcontrol.NewSnapshot()
	sl := snap.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)

	budgets, err := c.describeAll(ctx)
	now := c.now()
	if err != nil {
		c.logger.Warn("PodDisruptionBudgets not collected", zap.Error(err))
		layout.AppendError(sl, collectorName, keyList, err, now)
		return snap
	}
	// The server lists by namespace already (etcd key order); grouping must
	// not depend on it. Within a namespace the server's order is kubectl's.
	slices.SortStableFunc(budgets, func(a, b *budget) int { return strings.Compare(a.namespace, b.namespace) })
	for len(budgets) > 0 {
		ns := budgets[0].namespace
		n := 1
		for n < len(budgets) && budgets[n].namespace == ns {
			n++
		}
		appendNamespace(sl, ns, budgets[:n], now)
		budgets = budgets[n:]
	}
	return snap
}

// appendNamespace adds the item of one namespace's budgets (in the list's
// order, which is kubectl's) and an error record per budget that could not
// be described.
func appendNamespace(sl plog.ScopeLogs, ns string, budgets []*budget, now time.Time) {
	key := keyPrefix + ns
	var texts, names []string
	for _, b := range budgets {
		if b.err != nil {
			lr := layout.AppendError(sl, collectorName, key, b.err, now)
			lr.Attributes().PutStr(attrNamespace, ns)
			continue
		}
		texts = append(texts, b.text)
		names = append(names, b.name)
	}
	if len(texts) == 0 {
		return
	}
	lr := layout.AppendDocument(sl, collectorName, key, []byte(strings.Join(texts, "\n\n")), now)
	lr.Attributes().PutStr(attrNamespace, ns)
	layout.PutStrings(lr.Attributes(), attrNames, names)
	facts := lr.Attributes().PutEmptySlice(kubefacts.Budgets)
	for _, b := range budgets {
		if b.err == nil {
			putBudget(facts.AppendEmpty().SetEmptyMap(), b)
		}
	}
}

// putBudget writes what the diagnoser judges a budget by: its spec as
// written, the disruption controller's status and the pods it covers.
func putBudget(m pcommon.Map, b *budget) {
	m.PutStr("name", b.name)
	if v := b.pdb.Spec.MinAvailable; v != nil {
		m.PutStr("min_available", v.String())
	}
	if v := b.pdb.Spec.MaxUnavailable; v != nil {
		m.PutStr("max_unavailable", v.String())
	}
	st := b.pdb.Status
	m.PutInt("current_healthy", int64(st.CurrentHealthy))
	m.PutInt("desired_healthy", int64(st.DesiredHealthy))
	m.PutInt("expected_pods", int64(st.ExpectedPods))
	m.PutInt("disruptions_allowed", int64(st.DisruptionsAllowed))
	layout.PutStrings(m, "pods", b.pods)
}

// describeAll lists the budgets of every namespace and describes each,
// Parallelism at a time. The error is about the list (nothing collected);
// a budget's own error is in its budget.
func (c *collector) describeAll(ctx context.Context) ([]*budget, error) {
	server, err := c.findServer(c.cfg.Kubeconfig, userAgent, c.cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(server.Config)
	if err != nil {
		return nil, server.Wrap(fmt.Errorf("create client: %w", err))
	}
	budgets, err := list(ctx, cs)
	if err != nil {
		err = kubeclient.Explain(err, "list poddisruptionbudgets in all namespaces")
		if apierrors.IsForbidden(err) {
			return nil, err
		}
		return nil, server.Wrap(err)
	}
	describer := &describe.PodDisruptionBudgetDescriber{Interface: cs}
	settings := describe.DescriberSettings{ShowEvents: true, ChunkSize: listChunk}
	sem := make(chan struct{}, c.cfg.Parallelism)
	var wg sync.WaitGroup
	for _, b := range budgets {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			b.err = fmt.Errorf("%s/%s: not described: %w", b.namespace, b.name, ctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			text, err := describer.Describe(b.namespace, b.name, settings)
			if err != nil {
				b.err = fmt.Errorf("%s/%s: %w", b.namespace, b.name, kubeclient.Explain(err, "describe poddisruptionbudget"))
				return
			}
			b.text = text
			b.pods = selectedPods(ctx, cs, &b.pdb)
		}()
	}
	wg.Wait()
	return budgets, nil
}

// list pages through every namespace's budgets; the server returns them
// by namespace, then name.
func list(ctx context.Context, cs kubernetes.Interface) ([]*budget, error) {
	var out []*budget
	opts := metav1.ListOptions{Limit: listChunk}
	for {
		page, err := cs.PolicyV1().PodDisruptionBudgets(metav1.NamespaceAll).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			out = append(out, &budget{namespace: p.Namespace, name: p.Name, pdb: p})
		}
		if page.Continue == "" {
			return out, nil
		}
		opts.Continue = page.Continue
	}
}

// selectedPods names the pods a budget's selector matches (name@node when
// scheduled): the pods a drain of their node would have to evict. A
// selector that does not parse, or a list that fails, leaves it empty: the
// describe text still says what the budget is.
func selectedPods(ctx context.Context, cs kubernetes.Interface, pdb *policyv1.PodDisruptionBudget) []string {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil
	}
	pods, err := cs.CoreV1().Pods(pdb.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(pods.Items))
	for _, p := range pods.Items {
		name := p.Name
		if p.Spec.NodeName != "" {
			name += "@" + p.Spec.NodeName
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
