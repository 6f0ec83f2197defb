package kubeobjectsreceiver

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	k8smetadata "k8s.io/client-go/metadata"
	"k8s.io/kubectl/pkg/describe"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/kubeobjectsreceiver/internal/metadata"
)

// Periscope's name for this collector.
const collectorName = "kubeobjects"

// Record attributes besides the layout ones.
const (
	attrEntry     = "periscope.kube.entry" // the list entry the record answers
	attrNamespace = "k8s.namespace.name"
	attrKind      = "periscope.kube.kind" // Pod, Deployment…
	attrName      = "periscope.kube.name"
)

// listChunk is kubectl's default --chunk-size, used for lists and for the
// describers' event searches alike.
const listChunk = 500

type collector struct {
	cfg    *Config
	logger *zap.Logger
	now    func() time.Time
	// findServer is findAPIServer; tests point it elsewhere.
	findServer func(kubeconfig string, timeout time.Duration) (apiServer, error)
}

func newCollector(cfg *Config, logger *zap.Logger) *collector {
	return &collector{cfg: cfg, logger: logger, now: time.Now, findServer: findAPIServer}
}

// Check has nothing to verify at start: where the API server is, and
// whether it answers, are collection-time questions (a DaemonSet pod may
// start before the API server is reachable), reported as error records.
func (c *collector) Check() error { return nil }

// job is one object to describe, or an entry that failed before that.
type job struct {
	entry     entry
	key       string // item key when set; else from entry and name
	name      string // "" when err is about the whole entry
	namespace string // "" for cluster-scoped kinds
	kind      string
	describer describe.ResourceDescriber
	text      string
	err       error
}

// Collect describes every object of every entry: one list per entry, then
// the describes, Parallelism at a time (each is a get and an event search).
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	snap := runcontrol.NewSnapshot()
	sl := snap.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)

	jobs := c.plan(ctx)
	c.describeAll(ctx, jobs)

	now := c.now()
	for _, j := range jobs {
		if j.err != nil {
			c.logger.Warn("Kubernetes object not collected", zap.String("entry", j.entry.String()), zap.Error(j.err))
			key := j.key
			switch {
			case key != "":
			case j.name != "":
				key = j.entry.itemKey(j.name)
			default:
				key = j.entry.errorKey()
			}
			lr := layout.AppendError(sl, collectorName, safeKey(key), j.err, now)
			lr.Attributes().PutStr(attrEntry, j.entry.String())
			continue
		}
		lr := layout.AppendDocument(sl, collectorName, safeKey(j.entry.itemKey(j.name)), []byte(j.text), now)
		attrs := lr.Attributes()
		attrs.PutStr(attrEntry, j.entry.String())
		if j.namespace != "" {
			attrs.PutStr(attrNamespace, j.namespace)
		}
		attrs.PutStr(attrKind, j.kind)
		attrs.PutStr(attrName, j.name)
	}
	return snap
}

// plan resolves every entry and lists its objects. Entries that fail
// become jobs carrying the error, so the others still run.
func (c *collector) plan(ctx context.Context) []*job {
	var jobs []*job
	var entries []entry
	for _, o := range c.cfg.Objects {
		e, err := parseEntry(o)
		if err != nil {
			// Validate refuses these in a config; a caller that skipped it
			// still gets a record instead of a crash.
			jobs = append(jobs, &job{entry: entry{Namespace: o}, key: o, err: err})
			continue
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return jobs
	}
	failAll := func(err error) []*job {
		for _, e := range entries {
			jobs = append(jobs, &job{entry: e, err: fmt.Errorf("%s: %w", e, err)})
		}
		return jobs
	}

	server, err := c.findServer(c.cfg.Kubeconfig, c.cfg.RequestTimeout)
	if err != nil {
		return failAll(err)
	}
	clients, err := newClients(server)
	if err != nil {
		return failAll(server.wrap(err))
	}
	// One discovery round trip up front: an unreachable server or bad
	// credentials are reported once per entry with the server's name,
	// rather than as "unknown resource type".
	if _, err := clients.discovery.ServerGroups(); err != nil {
		return failAll(server.wrap(fmt.Errorf("discover API groups: %w", err)))
	}
	resolver := newTypeResolver(clients.discovery)
	for _, e := range entries {
		jobs = append(jobs, c.planEntry(ctx, server, clients, resolver, e)...)
	}
	return jobs
}

type clients struct {
	discovery discovery.DiscoveryInterface
	core      kubernetes.Interface
	metadata  k8smetadata.Interface
}

func newClients(s apiServer) (clients, error) {
	core, err := kubernetes.NewForConfig(s.config)
	if err != nil {
		return clients{}, fmt.Errorf("create client: %w", err)
	}
	md, err := k8smetadata.NewForConfig(s.config)
	if err != nil {
		return clients{}, fmt.Errorf("create metadata client: %w", err)
	}
	return clients{discovery: core.Discovery(), core: core, metadata: md}, nil
}

func (c *collector) planEntry(ctx context.Context, server apiServer, cl clients, r *typeResolver, e entry) []*job {
	fail := func(err error) []*job { return []*job{{entry: e, err: fmt.Errorf("%s: %w", e, err)}} }
	mapping, err := r.resolve(e.Type)
	if err != nil {
		return fail(err)
	}
	namespace := e.Namespace
	if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
		namespace = "" // as kubectl -n x describe nodes: the namespace does not apply
	}
	describer, ok := describe.DescriberFor(mapping.GroupVersionKind.GroupKind(), server.config)
	if !ok {
		describer, ok = describe.GenericDescriberFor(mapping, server.config)
	}
	if !ok {
		return fail(fmt.Errorf("no describer for %s", mapping.GroupVersionKind))
	}
	newJob := func(name string) *job {
		return &job{entry: e, name: name, namespace: namespace, kind: mapping.GroupVersionKind.Kind, describer: describer}
	}
	if e.Name != "" {
		return []*job{newJob(e.Name)}
	}

	names, err := listNames(ctx, cl.metadata, mapping, namespace)
	if err != nil {
		return fail(explainAPIError(err, "list", mapping.Resource.Resource, namespace))
	}
	if len(names) == 0 && namespace != "" {
		// Listing in a namespace that does not exist answers an empty list;
		// say so rather than collect nothing silently.
		if _, err := cl.core.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return fail(fmt.Errorf("namespace %q not found", namespace))
		}
	}
	jobs := make([]*job, len(names))
	for i, n := range names {
		jobs[i] = newJob(n)
	}
	return jobs
}

// listNames lists object names in pages (metadata only: the describers
// fetch each object themselves).
func listNames(ctx context.Context, md k8smetadata.Interface, mapping *meta.RESTMapping, namespace string) ([]string, error) {
	var names []string
	opts := metav1.ListOptions{Limit: listChunk}
	for {
		list, err := md.Resource(mapping.Resource).Namespace(namespace).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, item := range list.Items {
			names = append(names, item.Name)
		}
		if list.Continue == "" {
			return names, nil
		}
		opts.Continue = list.Continue
	}
}

// explainAPIError turns RBAC refusals into "forbidden: list secrets in
// namespace x" with the server's reason after it.
func explainAPIError(err error, verb, resource, namespace string) error {
	where := ""
	if namespace != "" {
		where = " in namespace " + namespace
	}
	if apierrors.IsForbidden(err) {
		return fmt.Errorf("forbidden: %s %s%s: %w", verb, resource, where, err)
	}
	return fmt.Errorf("%s %s%s: %w", verb, resource, where, err)
}

// describeAll fills text or err of every job that has a describer.
func (c *collector) describeAll(ctx context.Context, jobs []*job) {
	sem := make(chan struct{}, c.cfg.Parallelism)
	var wg sync.WaitGroup
	settings := describe.DescriberSettings{ShowEvents: true, ChunkSize: listChunk}
	for _, j := range jobs {
		if j.err != nil {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			j.err = fmt.Errorf("%s: %s not described: %w", j.entry, j.name, ctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			text, err := j.describer.Describe(j.namespace, j.name, settings)
			if err != nil {
				j.err = fmt.Errorf("%s: %w", j.entry, explainAPIError(err, "describe", j.entry.Type+" "+j.name, j.namespace))
				return
			}
			j.text = redact(text)
		}()
	}
	wg.Wait()
}

// safeKey keeps a key usable as a file name whatever a malformed entry
// held (layout refuses separators and control characters).
func safeKey(k string) string {
	if err := (layout.Item{RunID: "r", Node: "n", Collector: collectorName, Key: k}).Validate(); err == nil {
		return k
	}
	k = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, k)
	if k == "" || k == "." || k == ".." {
		return "invalid-entry"
	}
	return k
}
