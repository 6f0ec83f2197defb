package diagnoserprocessor

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/iptablessave"
	"github.com/periscope-otel/periscope/internal/kubelet"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/resolvconf"
)

// Item names a collected item as the layout places it: collector/key.
type Item struct{ Collector, Key string }

func (it Item) String() string { return it.Collector + "/" + it.Key }

// The items rules read, as the receivers emit them.
var (
	itemVirtualMachine = Item{"dns", "virtualmachine"}
	itemKubernetesDNS  = Item{"dns", "kubernetes"}
	itemKubeletResolv  = Item{"dns", "kubelet-resolv-conf"}
	itemKubeletCmd     = Item{"kubeletcmd", "kubeletcmd"}
	itemKubeletConfig  = Item{"kubeletcmd", "kubeletconfig"}
	itemIptablesSave   = Item{"iptables", "iptables-save"}
)

// Attributes of the kubelet_args receiver the decoders read.
const (
	attrKubeletFlags  = "periscope.kubelet.flags"
	attrKubeletConfig = "periscope.kubelet.config"
	attrFoundBy       = "periscope.dns.found_by"
)

// decoders turn an item's record into what rules read; an item without a
// decoder is not an input. A decoder's error makes the item unusable, with
// that error as the reason.
var decoders = map[Item]func(lr plog.LogRecord, in *Input) error{
	itemVirtualMachine:    decodeResolvConf,
	itemKubernetesDNS:     decodeResolvConf,
	itemKubeletResolv:     decodeResolvConf,
	itemKubeletCmd:        decodeKubeletCmd,
	itemKubeletConfig:     decodeKubeletConfig,
	itemIptablesSave:      decodeIptablesSave,
	itemConnectivityRound: decodeRound,
}

// Input is one arrived item.
type Input struct {
	Item Item
	// Usable is false when the item is an error record or could not be
	// decoded; Reason then says why.
	Usable bool
	Reason string
	// Text is the body (resolv.conf, the kubelet's command line).
	Text string
	// Source is the path the item was read from (periscope.source.path);
	// FoundBy says how the dns receiver chose kubelet-resolv-conf.
	Source, FoundBy string
	// What the decoder made of it; one is set, by item.
	Resolv   *resolvconf.Config
	Flags    *cmdline.Command
	Settings map[string]any // a KubeletConfiguration
	Dump     *iptablessave.Dump
}

// decodeInput builds the Input of a record of a known item.
func decodeInput(item Item, kind string, lr plog.LogRecord) *Input {
	in := &Input{Item: item}
	if v, ok := lr.Attributes().Get(layout.AttrSourcePath); ok {
		in.Source = v.AsString()
	}
	if v, ok := lr.Attributes().Get(attrFoundBy); ok {
		in.FoundBy = v.AsString()
	}
	if kind == string(layout.KindError) {
		in.Reason = "the item could not be collected: " + lr.Body().AsString()
		return in
	}
	if err := decoders[item](lr, in); err != nil {
		in.Reason = err.Error()
		return in
	}
	in.Usable = true
	return in
}

func bodyText(lr plog.LogRecord) (string, error) {
	switch b := lr.Body(); b.Type() {
	case pcommon.ValueTypeStr:
		return b.Str(), nil
	case pcommon.ValueTypeBytes:
		return "", errors.New("the body is not text")
	case pcommon.ValueTypeEmpty:
		return "", errors.New("the body is empty")
	default:
		return "", fmt.Errorf("the body is a %s, not text", b.Type())
	}
}

func decodeResolvConf(lr plog.LogRecord, in *Input) error {
	text, err := bodyText(lr)
	if err != nil {
		return err
	}
	cfg, err := resolvconf.Parse([]byte(text))
	if err != nil {
		return fmt.Errorf("not a resolv.conf: %w", err)
	}
	in.Text, in.Resolv = text, cfg
	return nil
}

// decodeKubeletCmd reads the flags the receiver parsed from the exact
// command line; without that attribute (an older or foreign record) the
// space-joined body is split again.
func decodeKubeletCmd(lr plog.LogRecord, in *Input) error {
	text, err := bodyText(lr)
	if err != nil {
		return err
	}
	in.Text = text
	var args []string
	if v, ok := lr.Attributes().Get(attrKubeletFlags); ok && v.Type() == pcommon.ValueTypeMap {
		args = []string{"kubelet"}
		v.Map().Range(func(name string, value pcommon.Value) bool {
			args = append(args, "--"+name+"="+value.AsString())
			return true
		})
	} else {
		args, err = cmdline.SplitLine(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("the command line cannot be split: %w", err)
		}
		if len(args) == 0 {
			return errors.New("the command line is empty")
		}
	}
	in.Flags = cmdline.Parse(args, kubelet.IsBoolean)
	return nil
}

// decodeKubeletConfig reads the settings the receiver parsed (JSON or YAML,
// redacted); the body alone is not parsed again.
func decodeKubeletConfig(lr plog.LogRecord, in *Input) error {
	v, ok := lr.Attributes().Get(attrKubeletConfig)
	if !ok || v.Type() != pcommon.ValueTypeMap {
		if e, ok := lr.Attributes().Get(layout.AttrError); ok {
			return fmt.Errorf("the kubelet config was not parsed: %s", e.AsString())
		}
		return fmt.Errorf("the record has no %s attribute", attrKubeletConfig)
	}
	in.Settings = v.Map().AsRaw()
	return nil
}

func decodeIptablesSave(lr plog.LogRecord, in *Input) error {
	text, err := bodyText(lr)
	if err != nil {
		return err
	}
	dump, err := iptablessave.Parse([]byte(text))
	if err != nil {
		return fmt.Errorf("not an iptables-save dump: %w", err)
	}
	if len(dump.Tables) == 0 {
		return errors.New("the dump has no table")
	}
	in.Text, in.Dump = text, dump
	return nil
}

// Inputs are the items of one run and node that arrived so far.
type Inputs struct {
	// Node is the node's name (k8s.node.name), possibly empty.
	Node  string
	items map[Item]*Input
	// The streams: the probes' windows (kept past the run's end), the
	// connectivity rounds seen whole, and Kubernetes objects' facts.
	outbound   outbound
	roundsDone int
	pods       []*podFacts
	nodes      []*nodeFacts
	budgets    []*budget
}

// Get returns a usable item, or nil.
func (in *Inputs) Get(it Item) *Input {
	if x := in.items[it]; x != nil && x.Usable {
		return x
	}
	return nil
}

// Resolv returns the parsed resolv.conf of a usable dns item, or nil.
func (in *Inputs) Resolv(it Item) *resolvconf.Config {
	if x := in.Get(it); x != nil {
		return x.Resolv
	}
	return nil
}

// Setting is a scalar setting of the kubelet: its flag when given (flags
// override the config file), else its --config field, with the evidence.
func (in *Inputs) Setting(flag, field string) (string, Evidence, bool) {
	if cmd := in.Get(itemKubeletCmd); cmd != nil {
		if v, ok := cmd.Flags.Lookup(flag); ok {
			return v, Evidence{Item: itemKubeletCmd, Text: "--" + flag + "=" + v}, true
		}
	}
	if cfg := in.Get(itemKubeletConfig); cfg != nil {
		if v, ok := cfg.Settings[field]; ok && v != nil {
			s := settingString(v)
			return s, Evidence{Item: itemKubeletConfig, Text: field + ": " + s}, true
		}
	}
	return "", Evidence{}, false
}

// settingString renders a config value: lists comma-joined, as the
// equivalent flag takes them.
func settingString(v any) string {
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// ClusterDNS is the cluster DNS service's addresses (--cluster-dns or
// clusterDNS), when known.
func (in *Inputs) ClusterDNS() ([]string, Evidence, bool) {
	v, ev, ok := in.Setting("cluster-dns", "clusterDNS")
	if !ok || v == "" {
		return nil, ev, false
	}
	return strings.Split(v, ","), ev, true
}

// ClusterDomain is the cluster's DNS domain, the kubelet's default when not set.
func (in *Inputs) ClusterDomain() string {
	if v, _, ok := in.Setting("cluster-domain", "clusterDomain"); ok && v != "" {
		return strings.TrimSuffix(v, ".")
	}
	return "cluster.local"
}

// lineOf finds the 1-based line of a resolv.conf whose fields start with
// words (the last such line: for search and options, the effective one);
// 0 when none does.
func lineOf(text string, words ...string) (int, string) {
	found, foundText := 0, ""
	for i, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) < len(words) {
			continue
		}
		match := true
		for j, w := range words {
			if fields[j] != w {
				match = false
				break
			}
		}
		if match {
			found, foundText = i+1, strings.TrimSpace(line)
		}
	}
	return found, foundText
}

// lineWithOption finds the last options line holding an option whose name is name.
func lineWithOption(text, name string) (int, string) {
	found, foundText := 0, ""
	for i, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "options" {
			continue
		}
		for _, opt := range fields[1:] {
			if n, _, _ := strings.Cut(opt, ":"); n == name {
				found, foundText = i+1, strings.TrimSpace(line)
			}
		}
	}
	return found, foundText
}

// resolvEvidence points at a resolv.conf line, or at the item when the
// line is not found (a value from a default).
func resolvEvidence(in *Input, line int, text, fallback string) Evidence {
	if line == 0 {
		return Evidence{Item: in.Item, Text: fallback}
	}
	return Evidence{Item: in.Item, Line: line, Text: text}
}
