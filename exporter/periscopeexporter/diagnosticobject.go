package periscopeexporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
)

// Periscope's Diagnostic custom resource (deployment/base/crd.yaml).
var diagnosticsResource = schema.GroupVersionResource{Group: "aks-periscope.azure.github.com", Version: "v1", Resource: "diagnostics"}

const (
	diagnosticAPIVersion = "aks-periscope.azure.github.com/v1"
	diagnosticKind       = "Diagnostic"
	// fieldManager owns the fields this exporter applies (server-side apply).
	fieldManager = "otelcol-periscope"
	// stageDiagnosticObject is the status.json error stage of a Diagnostic
	// object that could not be written.
	stageDiagnosticObject = "diagnostic_object"
	diagnosticUserAgent   = "otelcol-periscope/periscope-exporter"
)

// diagnosticObjects writes each node's Diagnostic object: Collecting when
// its run starts, then its state each time status.json is written. A write
// that fails is logged once per cause and recorded in status.json; it never
// holds up collection or the upload. A nil *diagnosticObjects writes nothing.
type diagnosticObjects struct {
	cfg      DiagnosticObjectConfig
	logger   *zap.Logger
	client   dynamic.ResourceInterface // nil when setupErr is set
	setupErr error
	now      func() time.Time

	mu     sync.Mutex
	last   map[string]*objectWrite // object name → its latest write, writes of one object in order
	latest map[string]string       // object name → run ID of the newest run started
	logged map[string]bool         // causes logged already
	async  sync.WaitGroup
}

// objectWrite is one write of an object; done closes when it ended.
type objectWrite struct {
	runID string
	done  chan struct{}
	err   error
}

// newDiagnosticObjects returns nil when the objects are not written. A
// cluster that cannot be reached from the configuration is not a start
// failure: each node run records why its object is missing.
func newDiagnosticObjects(cfg DiagnosticObjectConfig, logger *zap.Logger) *diagnosticObjects {
	if !cfg.active() {
		return nil
	}
	d := &diagnosticObjects{cfg: cfg, logger: logger, now: time.Now,
		last: map[string]*objectWrite{}, latest: map[string]string{}, logged: map[string]bool{}}
	restCfg, origin, err := diagnosticAPIServer(cfg)
	if err == nil {
		var client dynamic.Interface
		client, err = dynamic.NewForConfig(restCfg)
		if err == nil {
			d.client = client.Resource(diagnosticsResource).Namespace(cfg.Namespace)
		}
	}
	if err != nil {
		d.setupErr = fmt.Errorf("no Kubernetes API server for Diagnostic objects: %w", err)
		d.logOnce(d.setupErr)
		return d
	}
	logger.Info("Writing Diagnostic objects (kubectl get apd)", zap.String("namespace", cfg.Namespace),
		zap.String("api_server", restCfg.Host), zap.String("credentials", origin))
	return d
}

// diagnosticAPIServer picks the credentials: the configured kubeconfig,
// else the pod's ServiceAccount, else $KUBECONFIG (only reached with
// enabled: true, since auto means "in a pod or given a kubeconfig").
func diagnosticAPIServer(cfg DiagnosticObjectConfig) (*rest.Config, string, error) {
	var restCfg *rest.Config
	var origin string
	switch {
	case cfg.Kubeconfig != "":
		c, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			&clientcmd.ClientConfigLoadingRules{ExplicitPath: cfg.Kubeconfig}, &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			return nil, "", fmt.Errorf("load kubeconfig %s: %w", cfg.Kubeconfig, err)
		}
		restCfg, origin = c, "kubeconfig "+cfg.Kubeconfig
	default:
		c, err := rest.InClusterConfig()
		switch {
		case err == nil:
			restCfg, origin = c, "in-cluster ServiceAccount"
		case !errors.Is(err, rest.ErrNotInCluster):
			return nil, "", fmt.Errorf("load in-cluster credentials: %w", err)
		case os.Getenv("KUBECONFIG") != "":
			env := os.Getenv("KUBECONFIG")
			c, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
				&clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(env)}, &clientcmd.ConfigOverrides{}).ClientConfig()
			if err != nil {
				return nil, "", fmt.Errorf("load $KUBECONFIG %s: %w", env, err)
			}
			restCfg, origin = c, "$KUBECONFIG "+env
		default:
			return nil, "", errors.New("not running in a pod (KUBERNETES_SERVICE_HOST unset), no diagnostic_object.kubeconfig and $KUBECONFIG unset")
		}
	}
	restCfg = rest.CopyConfig(restCfg)
	restCfg.UserAgent = diagnosticUserAgent
	restCfg.Timeout = cfg.Timeout
	return restCfg, origin, nil
}

// collecting marks a node run as started, in the background: collection
// never waits for the API server. The write's error is recorded when the
// run's status.json is.
func (d *diagnosticObjects) collecting(runID, node string, started time.Time) {
	if d == nil {
		return
	}
	name := d.cfg.NamePrefix + node
	d.mu.Lock()
	d.latest[name] = runID
	w, prev := d.enqueue(name, runID)
	d.mu.Unlock()
	status := collectingStatus(runID, started, d.now())
	d.async.Add(1)
	go func() {
		defer d.async.Done()
		if prev != nil {
			<-prev.done
		}
		// The strings are emptied: kanalyze reads a node as ready once
		// both network strings are set, which must not be the last run's.
		d.finish(w, d.apply(name, node, diagnosticSpec{}, status))
	}()
}

// record is the publisher's hook: the node run's state each time its
// status.json is written. Problems and a failed write are added to st, so
// status.json names them.
func (d *diagnosticObjects) record(where, dir string, st *publish.Status) {
	if d == nil {
		return
	}
	name := d.cfg.NamePrefix + st.Node
	d.mu.Lock()
	if newest, ok := d.latest[name]; ok && newest != st.RunID {
		// A late publish of an older run (a republish from the spool,
		// records after the run ID changed): the object shows the newest.
		d.mu.Unlock()
		return
	}
	w, prev := d.enqueue(name, st.RunID)
	d.mu.Unlock()
	if prev != nil {
		<-prev.done
		if prev.runID == st.RunID && prev.err != nil {
			addStatusError(st, prev.err.Error())
		}
	}
	spec, status, problems := finishedObject(where, dir, st, d.now())
	for _, p := range problems {
		addStatusError(st, p)
	}
	err := d.apply(name, st.Node, spec, status)
	if err != nil {
		addStatusError(st, err.Error())
	}
	d.finish(w, err)
}

// enqueue makes w the object's latest write and returns the one before it,
// which w waits for. The caller holds d.mu.
func (d *diagnosticObjects) enqueue(name, runID string) (w, prev *objectWrite) {
	w = &objectWrite{runID: runID, done: make(chan struct{})}
	prev = d.last[name]
	d.last[name] = w
	return w, prev
}

func (d *diagnosticObjects) finish(w *objectWrite, err error) {
	w.err = err
	close(w.done)
}

// wait ends the background writes (each bounded by the request timeout).
func (d *diagnosticObjects) wait() {
	if d != nil {
		d.async.Wait()
	}
}

// apply writes the whole object with server-side apply: created when
// missing, replaced field by field otherwise, without a read first.
func (d *diagnosticObjects) apply(name, node string, spec diagnosticSpec, status diagnosticStatus) error {
	where := d.cfg.Namespace + "/" + name
	if d.setupErr != nil {
		return fmt.Errorf("Diagnostic object %s not written: %w", where, d.setupErr)
	}
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		err := fmt.Errorf("Diagnostic object not written: node name %q cannot name one (%s): %s", node, name, msgs[0])
		d.logOnce(err)
		return err
	}
	obj, err := diagnosticObject(d.cfg.Namespace, name, spec, status)
	if err != nil {
		return fmt.Errorf("Diagnostic object %s: %w", where, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.Timeout)
	defer cancel()
	_, err = d.client.Apply(ctx, name, obj, metav1.ApplyOptions{FieldManager: fieldManager, Force: true})
	if err != nil {
		err = fmt.Errorf("Diagnostic object %s not written (%s): %w", where, d.hint(err), err)
		d.logOnce(err)
	}
	return err
}

// hint says what to do about a refused write.
func (d *diagnosticObjects) hint(err error) string {
	var status apierrors.APIStatus
	switch {
	case apierrors.IsForbidden(err):
		return "the collector's identity may not write diagnostics in namespace " + d.cfg.Namespace +
			"; apply the Role and RoleBinding of deployment/base/rbac.yaml"
	case apierrors.IsNotFound(err) && errors.As(err, &status) && status.Status().Details != nil && status.Status().Details.Kind == "namespaces":
		return "namespace " + d.cfg.Namespace + " does not exist"
	case apierrors.IsNotFound(err):
		return "the Diagnostic type is not installed; apply deployment/base/crd.yaml"
	default:
		return "API server request failed"
	}
}

// logOnce logs each distinct cause once: every node run would repeat it.
func (d *diagnosticObjects) logOnce(err error) {
	d.mu.Lock()
	seen := d.logged[err.Error()]
	d.logged[err.Error()] = true
	d.mu.Unlock()
	if !seen {
		d.logger.Error("kubectl get apd will not show this node's run; the collection and upload go on (recorded in status.json)", zap.Error(err))
	}
}

// diagnosticObject is the object as applied.
func diagnosticObject(namespace, name string, spec diagnosticSpec, status diagnosticStatus) (*unstructured.Unstructured, error) {
	specMap, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&spec)
	if err != nil {
		return nil, fmt.Errorf("encode spec: %w", err)
	}
	statusMap, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&status)
	if err != nil {
		return nil, fmt.Errorf("encode status: %w", err)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": diagnosticAPIVersion,
		"kind":       diagnosticKind,
		"metadata": map[string]any{
			"name":      name,
			"namespace": namespace,
			"labels":    map[string]any{"app.kubernetes.io/managed-by": fieldManager},
		},
		"spec":   specMap,
		"status": statusMap,
	}}, nil
}

// addStatusError records a Diagnostic object problem in status.json once.
func addStatusError(st *publish.Status, msg string) {
	if !hasStatusError(st, msg) {
		st.Errors = append(st.Errors, publish.Error{Stage: stageDiagnosticObject, Message: msg})
	}
}

func hasStatusError(st *publish.Status, msg string) bool {
	for _, e := range st.Errors {
		if e.Stage == stageDiagnosticObject && e.Message == msg {
			return true
		}
	}
	return false
}
