package iptablesreceiver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/iptablessave"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/noderoot"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/iptablesreceiver/internal/metadata"
)

// Periscope's name for this collector, and its items: Periscope saved only
// the nat listing (key "iptables"); the full dumps are this project's.
const (
	collectorName = "iptables"
	keyNatList    = "iptables"
	keySave       = "iptables-save"
	keySave6      = "ip6tables-save"
)

// Attributes beside the raw output in the body.
const (
	attrCommand  = "periscope.iptables.command"
	attrFamily   = "periscope.iptables.family"
	attrTables   = "periscope.iptables.tables"
	attrChains   = "periscope.iptables.chains"
	attrRules    = "periscope.iptables.rules"
	attrProblems = "periscope.iptables.problems"
)

// maxOutputBytes bounds what is read from a command or file: a 50,000-rule
// dump (a very large cluster) is about 8 MB.
const maxOutputBytes = 128 << 20

// errNotAvailable starts every error record of this receiver, so the
// errors log reads "iptables/iptables-save: not available: <why>".
var errNotAvailable = errors.New("not available")

// item is one thing collected: how to get it and whether it is in
// iptables-save format (family set) or a listing kept as text.
type item struct {
	key     string
	option  string // the commands/files field, for messages
	family  string // "ipv4"/"ipv6" for iptables-save output; "" for the listing
	command func(*Commands) []string
	file    func(*Files) string
}

var items = []item{
	{key: keyNatList, option: "nat_list",
		command: func(c *Commands) []string { return c.NatList }, file: func(f *Files) string { return f.NatList }},
	{key: keySave, option: "save", family: "ipv4",
		command: func(c *Commands) []string { return c.Save }, file: func(f *Files) string { return f.Save }},
	{key: keySave6, option: "save6", family: "ipv6",
		command: func(c *Commands) []string { return c.Save6 }, file: func(f *Files) string { return f.Save6 }},
}

type collector struct {
	cfg    *Config
	root   noderoot.Root
	logger *zap.Logger
	now    func() time.Time
}

func newCollector(cfg *Config, logger *zap.Logger) *collector {
	return &collector{cfg: cfg, root: noderoot.Root(cfg.RootPath), logger: logger, now: time.Now}
}

// Check runs at start: a missing root is a configuration error.
func (c *collector) Check() error { return c.root.Check() }

// Collect reads every item; each yields one record, a document or an error.
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	for _, it := range items {
		c.collectItem(ctx, sl, it)
	}
	return snap
}

func (c *collector) collectItem(ctx context.Context, sl plog.ScopeLogs, it item) {
	var (
		data       []byte
		err        error
		sourceAttr string
		source     string
	)
	switch c.cfg.Source {
	case SourceFile:
		sourceAttr, source = layout.AttrSourcePath, it.file(&c.cfg.Files)
		if source == "" {
			err = fmt.Errorf(`source is "file" and files::%s is not set: this item comes only from the live node (source "command") or a captured file`, it.option)
			break
		}
		data, err = c.root.ReadFile(source, maxOutputBytes)
		if err == nil && len(data) == 0 {
			err = fmt.Errorf("captured file %s is empty", source)
		}
	default:
		argv := it.command(&c.cfg.Commands)
		if len(argv) == 0 {
			return // the item is switched off
		}
		sourceAttr, source = attrCommand, strings.Join(argv, " ")
		data, err = runCommand(ctx, c.cfg.RootPath, argv, c.cfg.Timeout, maxOutputBytes)
		if err == nil && len(data) == 0 {
			err = fmt.Errorf("`%s` printed nothing: no table is loaded in the network namespace it ran in (on a node, the collector needs hostNetwork to see the node's rules)", source)
		}
	}
	now := c.now()
	if err != nil {
		err = fmt.Errorf("%w: %w", errNotAvailable, err)
		c.logger.Warn("iptables item not collected", zap.String("item", it.key), zap.Error(err))
		attrs := layout.AppendError(sl, collectorName, it.key, err, now).Attributes()
		if source != "" {
			attrs.PutStr(sourceAttr, source)
		}
		return
	}
	lr := layout.AppendDocument(sl, collectorName, it.key, data, now)
	lr.Attributes().PutStr(sourceAttr, source)
	if it.family != "" {
		c.describeDump(lr, it, source, data)
	}
}

// describeDump adds the parsed counts of an iptables-save dump.
func (c *collector) describeDump(lr plog.LogRecord, it item, source string, data []byte) {
	attrs := lr.Attributes()
	attrs.PutStr(attrFamily, it.family)
	dump, err := iptablessave.Parse(data)
	if err != nil {
		err = fmt.Errorf("parse output of %s: %w", source, err)
		c.logger.Warn("iptables item collected but not parsed", zap.String("item", it.key), zap.Error(err))
		attrs.PutStr(layout.AttrError, err.Error())
		warn(lr)
		return
	}
	tables := attrs.PutEmptySlice(attrTables)
	chains := 0
	for i := range dump.Tables {
		putTable(tables.AppendEmpty().SetEmptyMap(), &dump.Tables[i])
		chains += len(dump.Tables[i].Chains)
	}
	attrs.PutInt(attrChains, int64(chains))
	attrs.PutInt(attrRules, int64(dump.RuleCount()))
	if len(dump.Problems) == 0 {
		return
	}
	problems := make([]string, len(dump.Problems))
	for i, p := range dump.Problems {
		problems[i] = p.String()
	}
	layout.PutStrings(attrs, attrProblems, problems)
	warn(lr)
	c.logger.Warn("iptables dump is incomplete or malformed",
		zap.String("item", it.key), zap.String("source", source), zap.Strings("problems", problems))
}

// putTable describes one table: its size, the policies of its built-in
// chains, and how many rules drop or reject (what a diagnosis looks at first).
func putTable(m pcommon.Map, t *iptablessave.Table) {
	m.PutStr("name", t.Name)
	m.PutInt("chains", int64(len(t.Chains)))
	m.PutInt("rules", int64(len(t.Rules)))
	m.PutBool("committed", t.CommitLine != 0)
	policies := m.PutEmptyMap("policies")
	for _, ch := range t.Chains {
		if ch.BuiltIn() {
			policies.PutStr(ch.Name, ch.Policy)
		}
	}
	var drop, reject int64
	for _, r := range t.Rules {
		switch r.Target {
		case "DROP":
			drop++
		case "REJECT":
			reject++
		}
	}
	m.PutInt("drop_rules", drop)
	m.PutInt("reject_rules", reject)
}

func warn(lr plog.LogRecord) {
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.SetSeverityText("WARN")
}
