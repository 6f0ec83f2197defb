package periscopeprovider

import (
	"context"
	"fmt"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/periscope-otel/periscope/internal/settings"
)

// EnvConfigMap names the ConfigMap ("namespace/name") to read the run ID
// from through the API, instead of its mounted file: for a deployment that
// does not mount diagnostic-config. Credentials: $KUBECONFIG, else the
// pod's in-cluster ServiceAccount.
const EnvConfigMap = "PERISCOPE_CONFIGMAP"

// configMapRunID reads DIAGNOSTIC_RUN_ID from a ConfigMap and watches it.
type configMapRunID struct {
	client          kubernetes.Interface
	namespace, name string
}

func newConfigMapRunID(ref string) (*configMapRunID, error) {
	ns, name, ok := strings.Cut(ref, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("%s %q: want namespace/name", EnvConfigMap, ref)
	}
	var (
		cfg *rest.Config
		err error
	)
	if kc := os.Getenv("KUBECONFIG"); kc != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kc)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("%s %q: no API credentials: %w", EnvConfigMap, ref, err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", EnvConfigMap, ref, err)
	}
	return &configMapRunID{client: client, namespace: ns, name: name}, nil
}

func (c *configMapRunID) source() string { return "configmap " + c.namespace + "/" + c.name }

// get returns the run ID in the ConfigMap ("" when the key is unset).
func (c *configMapRunID) get(ctx context.Context) (string, error) {
	cm, err := c.client.CoreV1().ConfigMaps(c.namespace).Get(ctx, c.name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("run ID from %s: %w", c.source(), err)
	}
	return strings.TrimSpace(cm.Data[settings.RunID]), nil
}

// watch calls changed with each new value of the run ID until ctx ends,
// watching again when the API server closes the watch.
func (c *configMapRunID) watch(ctx context.Context, changed func(id string) bool) error {
	for ctx.Err() == nil {
		w, err := c.client.CoreV1().ConfigMaps(c.namespace).Watch(ctx, metav1.ListOptions{
			FieldSelector: "metadata.name=" + c.name,
		})
		if err != nil {
			return fmt.Errorf("watch %s: %w", c.source(), err)
		}
		for ev := range w.ResultChan() {
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			id, err := c.get(ctx)
			if err == nil && changed(id) {
				w.Stop()
				return nil
			}
		}
	}
	return nil
}
