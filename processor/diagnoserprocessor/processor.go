package diagnoserprocessor

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// diagnoser passes every record on unchanged and judges the inputs among
// them per run and node. Its own records go out in separate ResourceLogs
// carrying the run and node, after the batch that caused them.
type diagnoser struct {
	cfg         *Config
	logger      *zap.Logger
	next        consumer.Logs
	tracker     *runcontrol.Tracker
	participant *runcontrol.Participant
	now         func() time.Time
	stop        chan struct{}
	stopOnce    sync.Once
	watcher     sync.WaitGroup

	mu     sync.Mutex
	states map[nodeRun]*runState
	order  []nodeRun // first-seen order, so output is stable
}

type nodeRun struct{ runID, node string }

// runState is what one run of one node has shown so far.
type runState struct {
	key     nodeRun
	inputs  Inputs
	judged  []bool   // by index in rules
	signals []Signal // reported so far, for the summary
	// reported holds the identities of keyed signals already out, so a
	// rule judged again (each connectivity round) reports what is new.
	reported map[string]bool
	// ended is set once the run's end-of-run output is out; later records
	// of the run pass through without being judged again, so a late line
	// never replaces the summary with a poorer one.
	ended bool
}

// specs are the rules' specs, and specItems every item each names,
// computed once: judge asks at every arrival.
var (
	specs = func() []Spec {
		s := make([]Spec, len(rules))
		for i, r := range rules {
			s[i] = r.Spec()
		}
		return s
	}()
	specItems = func() [][]Item {
		s := make([][]Item, len(specs))
		for i, spec := range specs {
			s[i] = spec.items()
		}
		return s
	}()
)

func newDiagnoser(cfg *Config, set processor.Settings, next consumer.Logs, tracker *runcontrol.Tracker) *diagnoser {
	return &diagnoser{
		cfg:         cfg,
		logger:      set.Logger,
		next:        next,
		tracker:     tracker,
		participant: tracker.ExpectAfterCollections(set.ID),
		now:         time.Now,
		stop:        make(chan struct{}),
		states:      map[nodeRun]*runState{},
	}
}

func (d *diagnoser) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

// Start waits, in the background, for the run's collections to be done,
// then delivers the end-of-run output and tells the tracker, which lets
// the exporter zip the node runs.
func (d *diagnoser) Start(context.Context, component.Host) error {
	collected := d.tracker.CollectionsDone()
	d.watcher.Add(1)
	go func() {
		defer d.watcher.Done()
		select {
		case <-collected:
			if err := d.endRuns(context.Background()); err != nil {
				d.logger.Error("Delivering the end-of-run diagnostics failed", zap.Error(err))
			}
			d.participant.Done()
		case <-d.stop:
		}
	}()
	return nil
}

// Shutdown delivers the end-of-run output of runs that never ended (a
// one-shot deadline), then releases the tracker.
func (d *diagnoser) Shutdown(ctx context.Context) error {
	d.stopOnce.Do(func() { close(d.stop) })
	d.watcher.Wait()
	defer d.participant.Done()
	return d.endRuns(ctx)
}

// ConsumeLogs forwards ld unchanged, then the signals its inputs produced.
func (d *diagnoser) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	out := d.observe(ld)
	err := d.next.ConsumeLogs(ctx, ld)
	if out.LogRecordCount() > 0 {
		err = errors.Join(err, d.next.ConsumeLogs(ctx, out))
	}
	return err
}

// observe records the inputs of ld and returns the signals they settle.
func (d *diagnoser) observe(ld plog.Logs) plog.Logs {
	out := newOutput(d.now())
	d.mu.Lock()
	defer d.mu.Unlock()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		resKey := keyOf(rl.Resource().Attributes(), nodeRun{})
		var st *runState
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				attrs := lr.Attributes()
				key := keyOf(attrs, resKey)
				if st == nil || st.key != key {
					st = d.state(key)
				}
				switch item, kind, what := inputItem(attrs); what {
				case inputProbe:
					// Probes keep building the networkoutbound windows
					// after the run's end: a DaemonSet probes every minute.
					d.probeArrived(st, lr, out)
				case inputRound:
					if st.ended {
						d.rejudge(st, out)
					} else {
						d.arrive(st, item, kind, lr, out)
					}
				case inputKube:
					if !st.ended {
						d.kubeArrived(st, lr, out)
					}
				case inputDocument:
					if !st.ended {
						d.arrive(st, item, kind, lr, out)
					}
				}
			}
		}
	}
	return out.logs
}

// keyOf reads the run and node from attrs, keeping def's where absent.
func keyOf(attrs pcommon.Map, def nodeRun) nodeRun {
	if v, ok := attrs.Get(layout.AttrRunID); ok {
		def.runID = v.AsString()
	}
	if v, ok := attrs.Get(layout.AttrNodeName); ok {
		def.node = v.AsString()
	}
	return def
}

// What kind of input a record is.
type inputKind int

const (
	inputNone     inputKind = iota // anything no rule reads: passes untouched
	inputDocument                  // an item with a decoder
	inputProbe                     // one connectivity probe (networkoutbound/connectivity.log)
	inputRound                     // the connectivity round's end (networkoutbound/connectivity.json)
	inputKube                      // a kube_objects record
)

// inputItem says whether a record is an item some rule reads; anything
// else (node log lines, other collectors, records missing attributes)
// passes untouched.
func inputItem(attrs pcommon.Map) (Item, string, inputKind) {
	c, ok := attrs.Get(layout.AttrCollector)
	if !ok || c.Type() != pcommon.ValueTypeStr {
		return Item{}, "", inputNone
	}
	switch c.Str() {
	case "dns", "kubeletcmd", "iptables", connectivityCollector:
	case kubeObjectsCollector, pdbCollector:
		return Item{}, "", inputKube
	default:
		return Item{}, "", inputNone
	}
	k, ok := attrs.Get(layout.AttrItemKey)
	if !ok {
		return Item{}, "", inputNone
	}
	item := Item{c.Str(), k.AsString()}
	what := inputDocument
	switch item {
	case itemConnectivityProbes:
		return item, "", inputProbe
	case itemConnectivityRound:
		what = inputRound
	}
	if _, ok := decoders[item]; !ok {
		return Item{}, "", inputNone
	}
	kind := ""
	if v, ok := attrs.Get(layout.AttrItemKind); ok {
		kind = v.AsString()
	}
	return item, kind, what
}

func (d *diagnoser) state(key nodeRun) *runState {
	st, ok := d.states[key]
	if !ok {
		st = &runState{key: key, inputs: Inputs{Node: key.node, items: map[Item]*Input{}}, judged: make([]bool, len(rules)),
			reported: map[string]bool{}}
		d.states[key] = st
		d.order = append(d.order, key)
	}
	return st
}

// arrive stores one input and judges every rule it completes.
func (d *diagnoser) arrive(st *runState, item Item, kind string, lr plog.LogRecord, out *output) {
	in := decodeInput(item, kind, lr)
	st.inputs.items[item] = in
	if !in.Usable {
		d.report(st, out, unparsableSignal(in, kind))
	}
	if item == itemConnectivityRound {
		// The round's probes are all in: the probes stream is complete
		// for now, and rules judged on an earlier round are judged again.
		st.inputs.roundsDone++
		d.rejudge(st, out)
	}
	d.judge(st, out, false)
}

// rejudge judges again the rules that repeat (Spec.Repeats) and were
// judged already: their documents are rewritten, and only signals not
// reported before in the run go out. After the run's end the summary is
// rewritten when a new signal went out, so diagnostics.json keeps up.
func (d *diagnoser) rejudge(st *runState, out *output) {
	before := len(st.signals)
	for i, r := range rules {
		if specs[i].Repeats && st.judged[i] {
			d.emit(st, out, d.safeJudge(r, specs[i], &st.inputs))
		}
	}
	if st.ended && len(st.signals) > before {
		out.document(st.key, diagnosticsSummaryKey, summaryOf(st))
	}
}

// emit reports a judgement's signals and writes its documents.
func (d *diagnoser) emit(st *runState, out *output, res Result) {
	for _, s := range res.Signals {
		d.report(st, out, s)
	}
	for _, doc := range res.Documents {
		out.document(st.key, doc.Key, doc.Body)
	}
}

// judge runs the rules that are ready: every item they name has arrived,
// or, at the run's end, whatever arrived.
func (d *diagnoser) judge(st *runState, out *output, final bool) {
	for i, r := range rules {
		if st.judged[i] {
			continue
		}
		spec := specs[i]
		if !final && !st.arrivedAll(specItems[i]) {
			continue
		}
		st.judged[i] = true
		missing, unusable := st.needs(spec)
		switch {
		case len(missing) > 0:
			d.report(st, out, insufficientSignal(spec, missing))
		case unusable:
			// Already reported as INPUT_UNPARSABLE when the item arrived.
		default:
			d.emit(st, out, d.safeJudge(r, spec, &st.inputs))
		}
	}
}

// safeJudge keeps one rule's bug from taking the pipeline down: the
// record has already been judged unusable or not, so a panic here is a
// defect of the rule, reported as a signal naming it.
func (d *diagnoser) safeJudge(r Rule, spec Spec, in *Inputs) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			d.logger.Error("Diagnostic rule failed", zap.String("rule", spec.Name), zap.Any("panic", p))
			res = Result{Signals: []Signal{ruleFailedSignal(spec, p)}}
		}
	}()
	return r.Judge(in)
}

// arrivedAll says whether every item has arrived whole. A stream (many
// records: probes, Kubernetes objects) is whole once its end is known:
// the connectivity round's document for probes; for Kubernetes objects
// only the run's end.
func (st *runState) arrivedAll(items []Item) bool {
	for _, it := range items {
		if _, ok := st.inputs.items[it]; !ok {
			return false
		}
		switch it {
		case itemConnectivityProbes:
			if st.inputs.roundsDone == 0 {
				return false
			}
		case itemKubePods, itemKubeNodes, itemBudgets:
			return false
		}
	}
	return true
}

// needs names the groups of a spec's Needs without any arrived item, and
// says whether some group has only unusable ones.
func (st *runState) needs(spec Spec) (missing []Item, unusable bool) {
	for _, group := range spec.Needs {
		usable, arrived := false, false
		for _, it := range group {
			if x, ok := st.inputs.items[it]; ok {
				arrived = true
				usable = usable || x.Usable
			}
		}
		switch {
		case usable:
		case arrived:
			unusable = true
		default:
			missing = append(missing, group...)
		}
	}
	return missing, unusable
}

// report emits a signal unless its code is disabled, and keeps it for the summary.
func (d *diagnoser) report(st *runState, out *output, s Signal) {
	if d.cfg.disabled(s.Code) {
		return
	}
	if s.key != "" {
		id := s.Code + "\x00" + s.key
		if st.reported[id] {
			return
		}
		st.reported[id] = true
	}
	st.signals = append(st.signals, s)
	out.signal(st.key, s)
}

// endRuns judges what is left of every run not ended yet, writes its
// summary and delivers it all.
func (d *diagnoser) endRuns(ctx context.Context) error {
	out := newOutput(d.now())
	d.mu.Lock()
	for _, key := range d.order {
		st := d.states[key]
		if st.ended {
			continue
		}
		d.judge(st, out, true)
		out.document(key, diagnosticsSummaryKey, summaryOf(st))
		st.ended = true
		// Judged: only the tombstone stays, and the connectivity history
		// that later rounds extend.
		st.inputs.items = nil
		st.inputs.pods, st.inputs.nodes = nil, nil
	}
	d.mu.Unlock()
	if out.logs.LogRecordCount() == 0 {
		return nil
	}
	return d.next.ConsumeLogs(ctx, out.logs)
}
