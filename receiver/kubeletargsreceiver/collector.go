package kubeletargsreceiver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/kubelet"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/noderoot"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/kubeletargsreceiver/internal/metadata"
)

// Periscope's names: collector and item "kubeletcmd"; the configuration
// file is this project's second item of the same collector.
const (
	collectorName = "kubeletcmd"
	keyCmd        = "kubeletcmd"
	keyConfig     = "kubeletconfig"
)

// Attributes beside the raw text in the body.
const (
	attrPID           = "periscope.kubelet.pid"
	attrProgram       = "periscope.kubelet.program"
	attrFlags         = "periscope.kubelet.flags"
	attrRepeatedFlags = "periscope.kubelet.repeated_flags"
	attrPositional    = "periscope.kubelet.positional"
	attrConfigPath    = "periscope.kubelet.config_path"
	attrConfig        = "periscope.kubelet.config"
	attrRedacted      = "periscope.kubelet.redacted"
	attrProblems      = "periscope.kubelet.problems"
)

// Bounds on what is read: the kernel caps a command line at a few MB, real
// ones are a few KB; a kubelet configuration is a few KB.
const (
	maxCmdlineBytes = 4 << 20
	maxConfigBytes  = 1 << 20
)

// errNotAvailable starts every error record, as in the other node receivers.
var errNotAvailable = errors.New("not available")

// commandLine is the kubelet's command line as found on the node.
type commandLine struct {
	args     []string
	source   string // what was read: /proc/<pid>/cmdline, a file, a command
	pid      int    // 0 when not from a process
	problems []string
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

// Collect reads the command line and, when it names one, the config file.
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)

	cl, err := c.commandLine(ctx)
	if err != nil {
		c.appendError(sl, keyCmd, "", err)
		return snap
	}
	configPath := c.appendCommandLine(sl, cl)
	if c.cfg.CollectConfig && configPath != "" {
		c.appendConfig(sl, configPath)
	}
	return snap
}

// commandLine reads the configured file, or finds the kubelet process.
func (c *collector) commandLine(ctx context.Context) (*commandLine, error) {
	if c.cfg.CmdlineFile == "" {
		return c.findProcess(ctx)
	}
	data, err := c.readNodeFile(c.cfg.CmdlineFile, maxCmdlineBytes)
	if err != nil {
		return nil, err
	}
	cl := &commandLine{source: c.cfg.CmdlineFile}
	cl.args, err = cmdline.SplitLine(string(data))
	if err != nil {
		cl.problems = append(cl.problems, err.Error())
	}
	if len(cl.args) == 0 {
		return nil, fmt.Errorf("%s holds no command line", c.cfg.CmdlineFile)
	}
	return cl, nil
}

// appendCommandLine records the command line, credentials hidden, and
// returns the --config path ("" when none).
func (c *collector) appendCommandLine(sl plog.ScopeLogs, cl *commandLine) string {
	args, hidden := redactArgs(cl.args, cmdline.Parse(cl.args, kubelet.IsBoolean))
	// Parsed again from the redacted arguments, so no attribute or problem
	// can quote a hidden value.
	parsed := cmdline.Parse(args, kubelet.IsBoolean)

	lr := layout.AppendDocument(sl, collectorName, keyCmd, []byte(strings.Join(args, " ")+"\n"), c.now())
	attrs := lr.Attributes()
	attrs.PutStr(layout.AttrSourcePath, cl.source)
	if cl.pid != 0 {
		attrs.PutInt(attrPID, int64(cl.pid))
	}
	attrs.PutStr(attrProgram, text(parsed.Program))
	flags := attrs.PutEmptyMap(attrFlags)
	count := map[string]int{}
	for _, f := range parsed.Flags {
		flags.PutStr(text(f.Name), text(f.Value)) // the last occurrence wins, as in pflag
		count[f.Name]++
	}
	var repeated pcommon.Map
	for _, f := range parsed.Flags {
		if count[f.Name] < 2 {
			continue
		}
		if _, ok := attrs.Get(attrRepeatedFlags); !ok {
			repeated = attrs.PutEmptyMap(attrRepeatedFlags)
		}
		if _, done := repeated.Get(text(f.Name)); !done {
			layout.PutStrings(repeated, text(f.Name), texts(parsed.Values(f.Name)))
		}
	}
	if len(parsed.Positional) > 0 {
		layout.PutStrings(attrs, attrPositional, texts(parsed.Positional))
	}
	if len(hidden) > 0 {
		layout.PutStrings(attrs, attrRedacted, hidden)
	}
	configPath, _ := parsed.Lookup("config")
	if configPath != "" {
		attrs.PutStr(attrConfigPath, text(configPath))
	}
	problems := append([]string(nil), cl.problems...)
	for _, p := range parsed.Problems {
		problems = append(problems, p.String())
	}
	if len(problems) > 0 {
		layout.PutStrings(attrs, attrProblems, problems)
		warn(lr)
		c.logger.Warn("kubelet command line has arguments it would not accept or that may be cut",
			zap.String("source", cl.source), zap.Strings("problems", problems))
	}
	return configPath
}

// appendConfig records the configuration file, credentials hidden.
func (c *collector) appendConfig(sl plog.ScopeLogs, configPath string) {
	data, err := c.readNodeFile(configPath, maxConfigBytes)
	if err == nil && len(data) == 0 {
		err = fmt.Errorf("%s is empty", configPath)
	}
	if err != nil {
		c.appendError(sl, keyConfig, configPath, fmt.Errorf("kubelet --config: %w", err))
		return
	}
	out, doc, hidden, parseErr := redactConfig(data)
	if out == nil {
		// Redaction could not write the file back: export nothing of it.
		c.appendError(sl, keyConfig, configPath, fmt.Errorf("kubelet --config %s: %w", configPath, parseErr))
		return
	}
	lr := layout.AppendDocument(sl, collectorName, keyConfig, out, c.now())
	attrs := lr.Attributes()
	attrs.PutStr(layout.AttrSourcePath, configPath)
	if len(hidden) > 0 {
		layout.PutStrings(attrs, attrRedacted, hidden)
	}
	if parseErr != nil {
		err := fmt.Errorf("parse %s: %w", configPath, parseErr)
		c.logger.Warn("kubelet config collected but not parsed", zap.Error(err))
		attrs.PutStr(layout.AttrError, err.Error())
		warn(lr)
		return
	}
	if doc != nil {
		kubelet.PutConfigNode(attrs.PutEmpty(attrConfig), doc)
	}
}

func (c *collector) appendError(sl plog.ScopeLogs, key, source string, err error) {
	err = fmt.Errorf("%w: %w", errNotAvailable, err)
	c.logger.Warn("kubelet item not collected", zap.String("item", key), zap.Error(err))
	attrs := layout.AppendError(sl, collectorName, key, err, c.now()).Attributes()
	if source != "" {
		attrs.PutStr(layout.AttrSourcePath, source)
	}
}

func warn(lr plog.LogRecord) {
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.SetSeverityText("WARN")
}

// text makes an argument safe for a string attribute (OTLP needs UTF-8).
func text(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func texts(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = text(s)
	}
	return out
}
