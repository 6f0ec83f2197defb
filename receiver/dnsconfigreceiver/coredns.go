package dnsconfigreceiver

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/periscope-otel/periscope/internal/kubeclient"
	"github.com/periscope-otel/periscope/internal/layout"
)

// The CoreDNS ConfigMaps: the Corefile AKS manages, and the one operators
// add their own servers (*.server) and overrides (*.override) to.
const (
	coreDNSNamespace = "kube-system"
	keyCoreDNS       = "coredns"
	keyCoreDNSCustom = "coredns-custom"
)

// coreDNSConfigMaps are read in this order; each is its own item, keyed by
// its name.
var coreDNSConfigMaps = []string{keyCoreDNS, keyCoreDNSCustom}

// Attributes of the CoreDNS records.
const (
	attrNamespace = "k8s.namespace.name"
	attrKind      = "periscope.kube.kind"
	attrName      = "periscope.kube.name"
	attrDataKeys  = "periscope.coredns.keys"     // data and binaryData keys, sorted
	attrRedacted  = "periscope.coredns.redacted" // credentials replaced by redact.Marker
)

// appendCoreDNS records each CoreDNS ConfigMap, or why it could not be
// read. Without any Kubernetes config (auth_type auto on a host outside a
// cluster) it records nothing and says so in one log line.
func (c *collector) appendCoreDNS(ctx context.Context, sl plog.ScopeLogs) {
	if c.cfg.Kubernetes.AuthType == AuthNone || c.cfg.Kubernetes.AuthType == "" {
		return
	}
	fail := func(err error) {
		for _, name := range coreDNSConfigMaps {
			c.appendError(sl, name, err)
		}
	}
	server, err := c.findServer(c.cfg.Kubernetes)
	if errors.Is(err, errNoKubernetesConfig) {
		c.logger.Info("CoreDNS ConfigMaps not collected (cluster part skipped)", zap.Error(err))
		return
	}
	if err != nil {
		fail(fmt.Errorf("not available: %w", err))
		return
	}
	client, err := kubernetes.NewForConfig(server.Config)
	if err != nil {
		fail(server.Wrap(fmt.Errorf("create client: %w", err)))
		return
	}
	var unreachable error
	for _, name := range coreDNSConfigMaps {
		if unreachable != nil {
			// A server that did not answer one request is not asked
			// again: each attempt could wait the whole timeout.
			c.appendError(sl, name, fmt.Errorf("not tried: %w", unreachable))
			continue
		}
		cm, err := client.CoreV1().ConfigMaps(coreDNSNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			err = explainGet(server, name, err)
			c.appendError(sl, name, err)
			var status apierrors.APIStatus
			if !errors.As(err, &status) {
				unreachable = err
			}
			continue
		}
		c.appendConfigMap(sl, cm)
	}
}

// explainGet puts what was asked first, and names the server when the
// error did not come from it.
func explainGet(server kubeclient.Server, name string, err error) error {
	what := "get configmaps " + coreDNSNamespace + "/" + name
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("not found: %s: %w", what, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: %s: %w", what, err)
	default:
		return server.Wrap(fmt.Errorf("%s: %w", what, err))
	}
}

func (c *collector) appendError(sl plog.ScopeLogs, key string, err error) {
	c.logger.Warn("CoreDNS ConfigMap not collected", zap.String("item", key), zap.Error(err))
	lr := layout.AppendError(sl, collectorName, key, err, c.now())
	lr.Attributes().PutStr(attrNamespace, coreDNSNamespace)
	lr.Attributes().PutStr(attrKind, "ConfigMap")
	lr.Attributes().PutStr(attrName, key)
}

// appendConfigMap records a ConfigMap's data as YAML, every key, values
// with credentials redacted.
func (c *collector) appendConfigMap(sl plog.ScopeLogs, cm *corev1.ConfigMap) {
	body, keys, redacted, err := renderConfigMap(cm)
	if err != nil {
		c.appendError(sl, cm.Name, fmt.Errorf("render configmaps %s/%s: %w", cm.Namespace, cm.Name, err))
		return
	}
	lr := layout.AppendDocument(sl, collectorName, cm.Name, body, c.now())
	attrs := lr.Attributes()
	attrs.PutStr(attrNamespace, cm.Namespace)
	attrs.PutStr(attrKind, "ConfigMap")
	attrs.PutStr(attrName, cm.Name)
	layout.PutStrings(attrs, attrDataKeys, keys)
	attrs.PutInt(attrRedacted, int64(redacted))
}

// renderConfigMap writes data and binaryData as a ConfigMap's YAML fields
// (multi-line values as literal blocks, readable as the Corefile they
// hold), keys sorted. redacted counts the credentials replaced.
func renderConfigMap(cm *corev1.ConfigMap) (body []byte, keys []string, redacted int, err error) {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	if len(cm.Data) > 0 {
		data := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range slices.Sorted(maps.Keys(cm.Data)) {
			v, n := redactValue(cm.Data[k])
			redacted += n
			val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
			if strings.Contains(v, "\n") {
				val.Style = yaml.LiteralStyle
			}
			data.Content = append(data.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, val)
			keys = append(keys, k)
		}
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "data"}, data)
	}
	if len(cm.BinaryData) > 0 {
		// Bytes are not a Corefile: kept as the API returns them, base64.
		bin := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range slices.Sorted(maps.Keys(cm.BinaryData)) {
			val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: base64.StdEncoding.EncodeToString(cm.BinaryData[k])}
			bin.Content = append(bin.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, val)
			keys = append(keys, k)
		}
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "binaryData"}, bin)
	}
	slices.Sort(keys)
	if len(doc.Content) == 0 {
		return []byte("data: {}\n"), keys, 0, nil
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, nil, 0, err
	}
	if err := enc.Close(); err != nil {
		return nil, nil, 0, err
	}
	return []byte(b.String()), keys, redacted, nil
}
