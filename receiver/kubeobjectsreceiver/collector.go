package kubeobjectsreceiver

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"
	"k8s.io/kubectl/pkg/describe"

	"github.com/periscope-otel/periscope/internal/kubeclient"
	"github.com/periscope-otel/periscope/internal/kubefacts"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/kubeobjectsreceiver/internal/metadata"
)

// Periscope's name for this collector.
const collectorName = "kubeobjects"

// Record attributes besides the layout ones.
const (
	attrEntry = "periscope.kube.entry" // the list entry the record answers
)

// listChunk is kubectl's default --chunk-size, used for lists and for the
// describers' event searches alike.
const listChunk = 500

type collector struct {
	cfg    *Config
	logger *zap.Logger
	now    func() time.Time
	// findServer is findAPIServer; tests point it elsewhere.
	findServer func(kubeconfig string, timeout time.Duration) (kubeclient.Server, error)
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
	facts     *facts // Pods and Nodes: machine-readable facts (facts.go)
}

// Collect describes every object of every entry: one list per entry, then
// the describes, Parallelism at a time, their reads answered from the lists
// where possible (snapshot).
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	snap := runcontrol.NewSnapshot()
	sl := snap.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)

	jobs, objects := c.plan(ctx)
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
			lr := layout.AppendError(sl, collectorName, layout.SafeKey(key, invalidEntryKey), j.err, now)
			lr.Attributes().PutStr(attrEntry, j.entry.String())
			continue
		}
		lr := layout.AppendDocument(sl, collectorName, layout.SafeKey(j.entry.itemKey(j.name), invalidEntryKey), []byte(j.text), now)
		attrs := lr.Attributes()
		attrs.PutStr(attrEntry, j.entry.String())
		if j.namespace != "" {
			attrs.PutStr(kubefacts.Namespace, j.namespace)
		}
		attrs.PutStr(kubefacts.Kind, j.kind)
		attrs.PutStr(kubefacts.Name, j.name)
		if j.facts != nil {
			j.facts.put(attrs)
			if j.namespace != "" {
				if events, ok := objects.eventsAbout(ctx, j.namespace, j.kind, j.name, j.facts.uid); ok {
					putEvents(attrs, events)
				}
			}
		}
	}
	return snap
}

// plan resolves every entry and lists its objects. Entries that fail
// become jobs carrying the error, so the others still run.
func (c *collector) plan(ctx context.Context) ([]*job, *snapshot) {
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
		return jobs, nil
	}
	failAll := func(err error) ([]*job, *snapshot) {
		for _, e := range entries {
			jobs = append(jobs, &job{entry: e, err: fmt.Errorf("%s: %w", e, err)})
		}
		return jobs, nil
	}

	server, err := c.findServer(c.cfg.Kubeconfig, c.cfg.RequestTimeout)
	if err != nil {
		return failAll(err)
	}
	clients, err := newClients(server)
	if err != nil {
		return failAll(server.Wrap(err))
	}
	// One discovery round trip up front: an unreachable server or bad
	// credentials are reported once per entry with the server's name,
	// rather than as "unknown resource type".
	if _, err := clients.discovery.ServerGroups(); err != nil {
		return failAll(server.Wrap(fmt.Errorf("discover API groups: %w", err)))
	}
	snap, err := newSnapshot(server.Config.Host, clients.core)
	if err != nil {
		return failAll(server.Wrap(err))
	}
	describeConfig := rest.CopyConfig(server.Config)
	describeConfig.Wrap(transport.WrapperFunc(snap.wrap))
	p := planner{clients: clients, resolver: newTypeResolver(clients.discovery), snap: snap, describeConfig: describeConfig}
	for _, e := range entries {
		jobs = append(jobs, p.planEntry(ctx, e)...)
	}
	return jobs, snap
}

// planner resolves entries and lists their objects for one collection.
type planner struct {
	clients        clients
	resolver       *typeResolver
	snap           *snapshot
	describeConfig *rest.Config // the server's, reads answered by snap first
}

type clients struct {
	discovery discovery.DiscoveryInterface
	core      kubernetes.Interface
	dynamic   dynamic.Interface
}

func newClients(s kubeclient.Server) (clients, error) {
	core, err := kubernetes.NewForConfig(s.Config)
	if err != nil {
		return clients{}, fmt.Errorf("create client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(s.Config)
	if err != nil {
		return clients{}, fmt.Errorf("create dynamic client: %w", err)
	}
	return clients{discovery: core.Discovery(), core: core, dynamic: dyn}, nil
}

func (p *planner) planEntry(ctx context.Context, e entry) []*job {
	fail := func(err error) []*job { return []*job{{entry: e, err: fmt.Errorf("%s: %w", e, err)}} }
	mapping, err := p.resolver.resolve(e.Type)
	if err != nil {
		return fail(err)
	}
	namespace := e.Namespace
	if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
		namespace = "" // as kubectl -n x describe nodes: the namespace does not apply
	}
	describer, ok := describe.DescriberFor(mapping.GroupVersionKind.GroupKind(), p.describeConfig)
	if !ok {
		describer, ok = describe.GenericDescriberFor(mapping, p.describeConfig)
	}
	if !ok {
		return fail(fmt.Errorf("no describer for %s", mapping.GroupVersionKind))
	}
	newJob := func(name string) *job {
		return &job{entry: e, name: name, namespace: namespace, kind: mapping.GroupVersionKind.Kind, describer: describer}
	}
	kind := mapping.GroupVersionKind.Kind
	if e.Name != "" {
		j := newJob(e.Name)
		if hasFacts(kind) {
			// One get for the facts; the describer's own get of the object
			// is then answered from the snapshot, so this costs no request.
			obj, err := p.clients.dynamic.Resource(mapping.Resource).Namespace(namespace).Get(ctx, e.Name, metav1.GetOptions{})
			if err == nil {
				if body, err := obj.MarshalJSON(); err == nil {
					p.snap.addObject(mapping.Resource, namespace, e.Name, body)
				}
				j.facts = factsOf(kind, obj)
				if namespace != "" {
					p.snap.serveEvents(namespace)
				}
			}
		}
		return []*job{j}
	}

	names, objFacts, err := p.list(ctx, mapping, namespace)
	if err != nil {
		return fail(explainAPIError(err, "list", mapping.Resource.Resource, namespace))
	}
	if len(names) == 0 && namespace != "" {
		// Listing in a namespace that does not exist answers an empty list;
		// say so rather than collect nothing silently.
		if _, err := p.clients.core.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return fail(fmt.Errorf("namespace %q not found", namespace))
		}
	}
	jobs := make([]*job, len(names))
	for i, n := range names {
		jobs[i] = newJob(n)
		jobs[i].facts = objFacts[n]
	}
	return jobs
}

// list lists the objects in pages and hands them to the snapshot, so the
// describers' gets of them, and their event searches in the namespace,
// need no further request. It returns the names in the server's order,
// and the facts of Pods and Nodes by name.
func (p *planner) list(ctx context.Context, mapping *meta.RESTMapping, namespace string) ([]string, map[string]*facts, error) {
	var names []string
	objFacts := map[string]*facts{}
	kind := mapping.GroupVersionKind.Kind
	opts := metav1.ListOptions{Limit: listChunk}
	for {
		list, err := p.clients.dynamic.Resource(mapping.Resource).Namespace(namespace).List(ctx, opts)
		if err != nil {
			return nil, nil, err
		}
		for i := range list.Items {
			item := &list.Items[i]
			body, err := item.MarshalJSON()
			if err != nil {
				return nil, nil, fmt.Errorf("encode %s: %w", item.GetName(), err)
			}
			if hasFacts(kind) {
				if f := factsOf(kind, item); f != nil {
					objFacts[item.GetName()] = f
				}
			}
			p.snap.addObject(mapping.Resource, namespace, item.GetName(), body)
			names = append(names, item.GetName())
		}
		if list.GetContinue() == "" {
			break
		}
		opts.Continue = list.GetContinue()
	}
	if namespace != "" && len(names) > 0 {
		p.snap.serveEvents(namespace)
	}
	return names, objFacts, nil
}

// explainAPIError turns RBAC refusals into "forbidden: list secrets in
// namespace x" with the server's reason after it.
func explainAPIError(err error, verb, resource, namespace string) error {
	what := verb + " " + resource
	if namespace != "" {
		what += " in namespace " + namespace
	}
	return kubeclient.Explain(err, what)
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

// invalidEntryKey names the item of an entry with no usable key left.
const invalidEntryKey = "invalid-entry"
