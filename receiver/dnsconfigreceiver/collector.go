package dnsconfigreceiver

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/kubeclient"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/noderoot"
	"github.com/periscope-otel/periscope/internal/resolvconf"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/dnsconfigreceiver/internal/metadata"
)

// Periscope's names for this collector and its items.
const (
	collectorName     = "dns"
	keyVirtualMachine = "virtualmachine"
	keyKubernetes     = "kubernetes"
	keyKubelet        = "kubelet-resolv-conf"
)

// Attributes with the parsed file, beside the raw text in the body.
const (
	attrNameservers = "periscope.dns.nameservers"
	attrSearch      = "periscope.dns.search"
	attrDomain      = "periscope.dns.domain"
	attrOptions     = "periscope.dns.options"
	attrNdots       = "periscope.dns.ndots"
	attrProblems    = "periscope.dns.problems"
	attrFoundBy     = "periscope.dns.found_by"
)

// maxResolvConfBytes bounds what is read: real files are a few hundred
// bytes; anything near this is not a resolver configuration.
const maxResolvConfBytes = 1 << 20

type collector struct {
	cfg    *Config
	root   noderoot.Root
	logger *zap.Logger
	now    func() time.Time
	// findServer is findAPIServer; tests point it elsewhere.
	findServer func(KubernetesConfig) (kubeclient.Server, error)
}

func newCollector(cfg *Config, logger *zap.Logger) *collector {
	return &collector{cfg: cfg, root: noderoot.Root(cfg.RootPath), logger: logger, now: time.Now, findServer: findAPIServer}
}

// Check runs at start: a missing root is a configuration error.
func (c *collector) Check() error { return c.root.Check() }

// Collect reads every configured resolv.conf, then the CoreDNS ConfigMaps.
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)

	data, err := c.root.ReadFile(c.cfg.NodeResolvConf, maxResolvConfBytes)
	c.appendItem(sl, keyVirtualMachine, c.cfg.NodeResolvConf, data, err)
	if c.cfg.PodResolvConf != "" {
		data, err := noderoot.ReadFile(c.cfg.PodResolvConf, maxResolvConfBytes)
		c.appendItem(sl, keyKubernetes, c.cfg.PodResolvConf, data, err)
	}
	if c.cfg.KubeletResolvConf {
		c.appendKubeletResolvConf(sl)
	}
	c.appendCoreDNS(ctx, sl)
	return snap
}

// appendItem records one resolv.conf, or why it could not be read.
func (c *collector) appendItem(sl plog.ScopeLogs, key, source string, data []byte, readErr error) {
	now := c.now()
	if readErr != nil {
		c.logger.Warn("resolv.conf not collected", zap.String("item", key), zap.Error(readErr))
		lr := layout.AppendError(sl, collectorName, key, readErr, now)
		if source != "" {
			lr.Attributes().PutStr(layout.AttrSourcePath, source)
		}
		return
	}
	lr := layout.AppendDocument(sl, collectorName, key, data, now)
	attrs := lr.Attributes()
	attrs.PutStr(layout.AttrSourcePath, source)

	parsed, err := resolvconf.Parse(data)
	if err != nil {
		err = fmt.Errorf("parse %s: %w", source, err)
		c.logger.Warn("resolv.conf collected but not parsed", zap.String("item", key), zap.Error(err))
		attrs.PutStr(layout.AttrError, err.Error())
		lr.SetSeverityNumber(plog.SeverityNumberWarn)
		lr.SetSeverityText("WARN")
		return
	}
	layout.PutStrings(attrs, attrNameservers, parsed.Nameservers)
	layout.PutStrings(attrs, attrSearch, parsed.Search)
	layout.PutStrings(attrs, attrOptions, parsed.Options)
	attrs.PutStr(attrDomain, parsed.Domain)
	attrs.PutInt(attrNdots, int64(parsed.Ndots))
	if len(parsed.Problems) == 0 {
		return
	}
	problems := make([]string, len(parsed.Problems))
	for i, p := range parsed.Problems {
		problems[i] = p.String()
	}
	layout.PutStrings(attrs, attrProblems, problems)
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.SetSeverityText("WARN")
	c.logger.Warn("resolv.conf has lines the resolver ignores or reads differently",
		zap.String("item", key), zap.String("path", source), zap.Strings("problems", problems))
}

// appendKubeletResolvConf records the file the kubelet hands pods, and how
// it was found.
func (c *collector) appendKubeletResolvConf(sl plog.ScopeLogs) {
	nodePath, how, err := c.kubeletResolvConf()
	if err != nil {
		c.appendItem(sl, keyKubelet, "", nil, err)
		return
	}
	data, err := c.root.ReadFile(nodePath, maxResolvConfBytes)
	c.appendItem(sl, keyKubelet, nodePath, data, err)
	lrs := sl.LogRecords()
	lrs.At(lrs.Len()-1).Attributes().PutStr(attrFoundBy, how)
}
