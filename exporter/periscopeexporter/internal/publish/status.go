package publish

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/layout"
)

// Status is a node run's delivery record, status.json: what was collected,
// what failed, and whether it reached its destination. It is written in the
// spool before any upload, so it also tells a restarted exporter what to
// publish.
type Status struct {
	RunID string `json:"run_id"`
	Node  string `json:"node"`
	// Started is when the node run's first record was written; Finished
	// when its zip was; Published when delivery last ended (either way).
	Started   time.Time  `json:"started"`
	Finished  time.Time  `json:"finished"`
	Published *time.Time `json:"published,omitempty"`
	// Delivered is true only when every item, the zip and this record
	// reached the destination.
	Delivered bool `json:"delivered"`
	// Complete is false when an item the run set out to collect (its file
	// existed at the run's start) is missing or partial: each is an error
	// of stage "incomplete". A delivered incomplete run is not a success.
	Complete   bool     `json:"complete"`
	Collectors []string `json:"collectors"`
	Items      []Item   `json:"items"`
	Zip        File     `json:"zip"`
	// TotalBytes is the items' and the zip's bytes together.
	TotalBytes int64   `json:"total_bytes"`
	Errors     []Error `json:"errors"`
	// Diagnoses is the diagnoser's run summary at a glance (counts by
	// severity and the codes of diagnostics.json), when it ran.
	Diagnoses *Diagnoses `json:"diagnoses,omitempty"`
	// ClusterItems are the cluster-scoped items this node collected for
	// the whole cluster: stored once under <run-id>/cluster/<name> (and in
	// this node's zip), not counted in TotalBytes. Absent on other nodes.
	ClusterItems []Item `json:"cluster_items,omitempty"`
}

// Diagnoses counts the diagnoser's findings of the node run.
type Diagnoses struct {
	Error int      `json:"error"`
	Warn  int      `json:"warn"`
	Info  int      `json:"info"`
	Codes []string `json:"codes"`
	// Findings are the ERROR and WARN signals, errors first, each in the
	// diagnoser's order: what a one-shot run prints. Not in status.json
	// (diagnostics.json has them, with their evidence).
	Findings []Finding `json:"-"`
}

// Finding is one of the diagnoser's signals that needs attention.
type Finding struct {
	Severity, Code, Summary string
}

// Item is one collected item of the node run.
type Item struct {
	Name      string `json:"name"`
	Collector string `json:"collector"`
	Bytes     int64  `json:"bytes"`
}

// File is a file of the node run that is not an item (the zip).
type File struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// Error stages.
const (
	// StageCollection: an item could not be collected (periscope-errors.log).
	StageCollection = "collection"
	// StageDelivery: the node run did not reach its destination.
	StageDelivery = "delivery"
	// StageDiagnoser: the diagnoser's summary could not be read.
	StageDiagnoser = "diagnoser"
	// StageIncomplete: an item the run set out to collect is missing or
	// partial (a log that shrank or was replaced under the copy).
	StageIncomplete = "incomplete"
)

// Error is one problem of the node run.
type Error struct {
	Stage   string `json:"stage"`
	Message string `json:"message"`
}

// Run is a finished node run in the spool, as the writer hands it over.
type Run struct {
	Dir         string
	RunID, Node string
	Items       map[string]string // item key → collector
	// ClusterItems maps the zip entry (<collector>/<key>) of each cluster
	// item this node collected to its file under <run-id>/cluster.
	ClusterItems map[string]string
	// Incomplete names each item the run did not collect whole, and why.
	Incomplete        []string
	Started, Finished time.Time
}

// newStatus measures the run's files and reads its collection errors.
func newStatus(run Run) (*Status, error) {
	st := &Status{RunID: run.RunID, Node: run.Node, Started: run.Started.UTC(), Finished: run.Finished.UTC(),
		Complete: len(run.Incomplete) == 0, Collectors: []string{}, Items: []Item{}, Errors: []Error{}}
	for _, m := range run.Incomplete {
		st.Errors = append(st.Errors, Error{Stage: StageIncomplete, Message: m})
	}
	collectors := map[string]bool{}
	for key, collector := range run.Items {
		fi, err := os.Stat(filepath.Join(run.Dir, key))
		if err != nil {
			return nil, fmt.Errorf("item %s: %w", key, err)
		}
		st.Items = append(st.Items, Item{Name: key, Collector: collector, Bytes: fi.Size()})
		st.TotalBytes += fi.Size()
		collectors[collector] = true
	}
	sort.Slice(st.Items, func(i, j int) bool { return st.Items[i].Name < st.Items[j].Name })
	for c := range collectors {
		st.Collectors = append(st.Collectors, c)
	}
	sort.Strings(st.Collectors)

	for entry, file := range run.ClusterItems {
		collector, key, _ := strings.Cut(entry, "/")
		fi, err := os.Stat(file)
		if err != nil {
			return nil, fmt.Errorf("cluster item %s: %w", key, err)
		}
		st.ClusterItems = append(st.ClusterItems, Item{Name: key, Collector: collector, Bytes: fi.Size()})
	}
	sort.Slice(st.ClusterItems, func(i, j int) bool { return st.ClusterItems[i].Name < st.ClusterItems[j].Name })

	zipName := run.Node + ".zip"
	fi, err := os.Stat(filepath.Join(run.Dir, zipName))
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	st.Zip = File{Name: zipName, Bytes: fi.Size()}
	st.TotalBytes += fi.Size()

	msgs, err := collectionErrors(filepath.Join(run.Dir, layout.ErrorsItemKey))
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if !slices.Contains(run.Incomplete, m) { // said once, as incomplete
			st.Errors = append(st.Errors, Error{Stage: StageCollection, Message: m})
		}
	}
	if _, ok := run.Items[diagnosticsSummaryKey]; ok {
		d, err := ReadDiagnoses(filepath.Join(run.Dir, diagnosticsSummaryKey))
		if err != nil {
			st.Errors = append(st.Errors, Error{Stage: StageDiagnoser, Message: err.Error()})
		}
		st.Diagnoses = d
	}
	return st, nil
}

// diagnosticsSummaryKey is the diagnoser's run summary item.
const diagnosticsSummaryKey = "diagnostics.json"

// ReadDiagnoses reads the counts, codes and findings of the diagnoser's
// diagnostics.json.
func ReadDiagnoses(path string) (*Diagnoses, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the diagnoser's summary: %w", err)
	}
	var doc struct {
		Counts  map[string]int `json:"counts"`
		Codes   []string       `json:"codes"`
		Signals []struct {
			Severity string `json:"severity"`
			Code     string `json:"code"`
			Summary  string `json:"summary"`
		} `json:"signals"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("the diagnoser's summary %s is not its JSON: %w", diagnosticsSummaryKey, err)
	}
	if doc.Codes == nil {
		doc.Codes = []string{}
	}
	d := &Diagnoses{Error: doc.Counts["ERROR"], Warn: doc.Counts["WARN"], Info: doc.Counts["INFO"], Codes: doc.Codes}
	for _, s := range doc.Signals {
		if s.Severity == "ERROR" || s.Severity == "WARN" {
			d.Findings = append(d.Findings, Finding{Severity: s.Severity, Code: s.Code, Summary: s.Summary})
		}
	}
	sort.SliceStable(d.Findings, func(i, j int) bool {
		return d.Findings[i].Severity == "ERROR" && d.Findings[j].Severity != "ERROR"
	})
	return d, nil
}

// collectionErrors reads periscope-errors.log, one error a line; a run
// without one had no collection errors.
func collectionErrors(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read collection errors: %w", err)
	}
	defer f.Close()
	var msgs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			msgs = append(msgs, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read collection errors %s: %w", path, err)
	}
	return msgs, nil
}

// dropDelivery forgets the delivery errors of an earlier attempt: the
// record describes the latest one.
func (st *Status) dropDelivery() {
	kept := st.Errors[:0]
	for _, e := range st.Errors {
		if e.Stage != StageDelivery {
			kept = append(kept, e)
		}
	}
	st.Errors = kept
}

// write replaces dir/status.json atomically.
func (st *Status) write(dir string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", layout.StatusKey, err)
	}
	return writeFileAtomic(filepath.Join(dir, layout.StatusKey), append(data, '\n'))
}

// ReadStatus reads a node run's status.json.
func ReadStatus(dir string) (*Status, error) {
	path := filepath.Join(dir, layout.StatusKey)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var st Status
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st.RunID == "" || st.Node == "" {
		return nil, fmt.Errorf("read %s: run_id or node missing", path)
	}
	// The errors decide, so a record written before "complete" existed
	// reads as complete unless it names an incomplete item.
	st.Complete = !slices.ContainsFunc(st.Errors, func(e Error) bool { return e.Stage == StageIncomplete })
	return &st, nil
}

func writeFileAtomic(target string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", target, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", target, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", target, err)
	}
	return nil
}
