package analyze

import (
	"errors"
	"fmt"
	"github.com/periscope-otel/periscope/internal/findings"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.yaml.in/yaml/v3"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/kubelet"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runread"
)

// maxItemBytes bounds what is read of one input item (the receivers cap
// theirs far below: resolv.conf 64 KiB, a kubelet config 1 MiB).
const maxItemBytes = 16 << 20

// Attributes the receivers put on the records the diagnoser reads, which the
// items do not keep and this package rebuilds (each receiver's README).
const (
	attrKubeletFlags  = "periscope.kubelet.flags"
	attrKubeletConfig = "periscope.kubelet.config"
	attrConfigPath    = "periscope.kubelet.config_path"
	attrFoundBy       = "periscope.dns.found_by"
)

// input rebuilds the records of one kind of item. The table below is the
// only place that knows which items the diagnoser reads; a receiver's item
// that is not in it is not an input.
type input interface {
	// build appends the records of the node's items of this kind; an item
	// that is absent appends nothing (the diagnoser then says so).
	build(n *nodeInputs, sl plog.ScopeLogs) error
}

var inputs = []input{
	document{"dns", "virtualmachine"},
	document{"dns", "kubernetes"},
	kubeletResolvConf{},
	kubeletCmd{},
	kubeletConfig{},
	document{"iptables", "iptables-save"},
	connectivity{},
	collectionErrors{},
}

// nodeInputs is one node's items, read on demand.
type nodeInputs struct {
	node *runread.Node
	now  time.Time
	// notes are inputs that could not be rebuilt, for the node's result.
	notes []string
}

// item finds an item by collector and key; Periscope's own zips name the
// same collectors.
func (n *nodeInputs) item(collector, key string) *runread.Item {
	if it := n.node.Item(collector, key); it != nil {
		return it
	}
	return nil
}

// read returns an item's content, or nil when absent.
func (n *nodeInputs) read(collector, key string) ([]byte, error) {
	it := n.item(collector, key)
	if it == nil {
		return nil, nil
	}
	return it.Read(maxItemBytes)
}

// document: the item's body is the record's body (resolv.conf, iptables-save).
type document struct{ collector, key string }

func (d document) build(n *nodeInputs, sl plog.ScopeLogs) error {
	data, err := n.read(d.collector, d.key)
	if err != nil || data == nil {
		return err
	}
	layout.AppendDocument(sl, d.collector, d.key, data, n.now)
	return nil
}

// kubeletResolvConf is dns/kubelet-resolv-conf with how the dns receiver
// found it: rebuilt from the kubelet's items as the receiver decides it.
type kubeletResolvConf struct{}

func (kubeletResolvConf) build(n *nodeInputs, sl plog.ScopeLogs) error {
	data, err := n.read("dns", "kubelet-resolv-conf")
	if err != nil || data == nil {
		return err
	}
	lr := layout.AppendDocument(sl, "dns", "kubelet-resolv-conf", data, n.now)
	source, how := kubeletResolvSource(n)
	if how != "" {
		lr.Attributes().PutStr(layout.AttrSourcePath, source)
		lr.Attributes().PutStr(attrFoundBy, how)
	}
	return nil
}

// kubeletResolvSource follows the dns receiver: --resolv-conf, else
// resolvConf in the --config file, else the kubelet's default. The process
// the flag was read from (/proc/<pid>/cmdline) is not in the items.
func kubeletResolvSource(n *nodeInputs) (source, how string) {
	data, _ := n.read("kubeletcmd", "kubeletcmd")
	if data == nil {
		return "", ""
	}
	args, err := cmdline.SplitLine(strings.TrimSpace(string(data)))
	if err != nil || len(args) == 0 {
		return "", ""
	}
	flags := cmdline.Parse(args, kubelet.IsBoolean)
	if v, ok := flags.Lookup("resolv-conf"); ok {
		return v, "--resolv-conf of the kubelet (kubeletcmd/kubeletcmd)"
	}
	if cfgPath, ok := flags.Lookup("config"); ok {
		if cfg, _ := n.read("kubeletcmd", "kubeletconfig"); cfg != nil {
			var c struct {
				ResolvConf *string `yaml:"resolvConf"`
			}
			if yaml.Unmarshal(cfg, &c) == nil && c.ResolvConf != nil {
				return *c.ResolvConf, "resolvConf of the kubelet's --config " + cfgPath
			}
		}
	}
	return "/etc/resolv.conf", "the kubelet's default (no --resolv-conf, no resolvConf in its config)"
}

// kubeletCmd is the command line, with the flags the kubelet_args receiver
// parsed (the last occurrence of each, as pflag keeps it).
type kubeletCmd struct{}

func (kubeletCmd) build(n *nodeInputs, sl plog.ScopeLogs) error {
	data, err := n.read("kubeletcmd", "kubeletcmd")
	if err != nil || data == nil {
		return err
	}
	lr := layout.AppendDocument(sl, "kubeletcmd", "kubeletcmd", data, n.now)
	args, err := cmdline.SplitLine(strings.TrimSpace(string(data)))
	if err != nil || len(args) == 0 {
		return nil // the diagnoser splits the body itself and says why not
	}
	parsed := cmdline.Parse(args, kubelet.IsBoolean)
	flags := lr.Attributes().PutEmptyMap(attrKubeletFlags)
	for _, f := range parsed.Flags {
		flags.PutStr(strings.ToValidUTF8(f.Name, "\uFFFD"), strings.ToValidUTF8(f.Value, "\uFFFD"))
	}
	if v, ok := parsed.Lookup("config"); ok {
		lr.Attributes().PutStr(attrConfigPath, v)
	}
	return nil
}

// kubeletConfig is the --config file with its settings parsed (YAML or
// JSON, as the kubelet_args receiver reads it).
type kubeletConfig struct{}

func (kubeletConfig) build(n *nodeInputs, sl plog.ScopeLogs) error {
	data, err := n.read("kubeletcmd", "kubeletconfig")
	if err != nil || data == nil {
		return err
	}
	lr := layout.AppendDocument(sl, "kubeletcmd", "kubeletconfig", data, n.now)
	var root yaml.Node
	switch err := yaml.Unmarshal(data, &root); {
	case err != nil:
		lr.Attributes().PutStr(layout.AttrError, fmt.Sprintf("parse kubeletconfig: not YAML or JSON: %v", err))
	case len(root.Content) == 0:
	case root.Content[0].Kind != yaml.MappingNode:
		lr.Attributes().PutStr(layout.AttrError, "parse kubeletconfig: not a mapping of settings")
	default:
		kubelet.PutConfigNode(lr.Attributes().PutEmpty(attrKubeletConfig), root.Content[0])
	}
	return nil
}

// collectionErrors turns periscope-errors.log back into error records of
// the input items it names ("<collector>/<key>: <why>"), so the diagnoser
// says which judgements a collection error cost, as it did at the time.
type collectionErrors struct{}

func (collectionErrors) build(n *nodeInputs, sl plog.ScopeLogs) error {
	data, err := n.read(layout.ErrorsCollector, layout.ErrorsItemKey)
	if err != nil || data == nil {
		return err
	}
	for _, e := range ParseErrorsLog(data) {
		if !readByDiagnoser(e.Collector, e.Key) || n.item(e.Collector, e.Key) != nil {
			continue
		}
		layout.AppendError(sl, e.Collector, e.Key, errors.New(e.Message), n.now)
	}
	return nil
}

// readByDiagnoser names the items whose error records the diagnoser reads.
func readByDiagnoser(collector, key string) bool {
	switch collector + "/" + key {
	case "dns/virtualmachine", "dns/kubernetes", "dns/kubelet-resolv-conf",
		"kubeletcmd/kubeletcmd", "kubeletcmd/kubeletconfig", "iptables/iptables-save":
		return true
	}
	return false
}

// CollectionError is findings.CollectionError.
type CollectionError = findings.CollectionError

// ParseErrorsLog is findings.ParseErrorsLog.
func ParseErrorsLog(data []byte) []CollectionError { return findings.ParseErrorsLog(data) }
