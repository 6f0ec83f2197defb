// Package report makes a run's report.html: one self-contained page (inline
// CSS and a few lines of JavaScript, nothing fetched) that opens from disk or
// from a blob URL: the nodes × collectors matrix with sizes and links to the
// items, the findings by severity, connectivity per target and node over
// time, the `kubectl top` tables and what the run could not collect.
//
// A large cluster stays one quick page: nodes whose collectors and findings
// are the same share a row, and a finding shared by many nodes is shown once.
package report

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/findings"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runread"
)

// Limits that keep the page small whatever the cluster's size.
const (
	maxTableLines   = 400 // of a kubectl top table
	maxOutboundRows = 60  // node rows per target besides "connected throughout"
	maxGroupLinks   = 2000
	maxItemBytes    = 4 << 20
)

// Page is what the template shows.
type Page struct {
	RunID     string
	Where     string
	Generated string
	NodeCount int
	Counts    map[string]int // finding codes by severity
	Columns   []string       // collectors
	Rows      []Row
	Findings  []findings.Group
	Outbound  []Target
	Tables    []Table
	Failures  []Failure
	Problems  []string
	// NodeNames is every node, for the page's node filter.
	NodeNames []string
}

// Row is a group of nodes with the same collectors' outcome and findings.
type Row struct {
	Nodes    []NodeLink
	Cells    []Cell
	Findings []string // codes
	Worst    string
	Bytes    string
}

// NodeLink is a node with links to its zip and status.json.
type NodeLink struct {
	Name, Zip, Status, Errors string
}

// Cell is one collector on the row's nodes.
type Cell struct {
	State string // collected, failed, partial, absent
	Size  string
	Items []ItemLink
	Why   []string
}

// ItemLink is an item of the row's first node.
type ItemLink struct {
	Name, Href, Size string
}

// Target is one connectivity target's windows.
type Target struct {
	Name  string
	Start time.Time
	End   time.Time
	Rows  []OutboundRow
	// Healthy counts nodes connected throughout, shown as one row.
	Healthy      int
	HealthyNames string
	More         int
}

// OutboundRow is one node's windows of a target.
type OutboundRow struct {
	Node     string
	Segments []Segment
}

// Segment is one window placed on the row, in percent of the time axis.
type Segment struct {
	Left, Width float64
	OK          bool
	Title       string
}

// Table is a kubectl top table.
type Table struct {
	Title, Href, Text string
	Cut               int
}

// Failure is one collection error shared by nodes.
type Failure struct {
	Item    string
	Message string
	Nodes   []string
}

// Links turns an item's path relative to the run folder into an href; nil
// when items cannot be linked (a zip, a container).
type Links func(relToRun string) string

// LinksFrom links items from a page written at htmlPath to a run folder at
// runDir; nil when runDir is empty.
func LinksFrom(htmlPath, runDir string) Links {
	if runDir == "" {
		return nil
	}
	absHTML, err := filepath.Abs(htmlPath)
	if err != nil {
		return nil
	}
	rel, err := filepath.Rel(filepath.Dir(absHTML), runDir)
	if err != nil {
		return nil
	}
	rel = filepath.ToSlash(rel)
	return func(p string) string {
		if rel == "." {
			return escapePath(p)
		}
		return escapePath(rel + "/" + p)
	}
}

// RunFolder links items from a page in the run folder itself (report.html).
func RunFolder(p string) string { return escapePath(p) }

// escapePath escapes each segment for an href (item keys hold spaces).
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.NewReplacer("%", "%25", " ", "%20", "#", "%23", "?", "%3F").Replace(s)
	}
	return strings.Join(segs, "/")
}

// Build gathers the page from the run and its findings.
func Build(run *runread.Run, res *findings.Result, links Links) *Page {
	p := &Page{
		RunID: run.ID, Where: run.Where, Generated: time.Now().UTC().Format(time.RFC3339),
		NodeCount: len(run.Nodes), Counts: map[string]int{}, Problems: slices.Clone(res.Problems),
	}
	href := func(s string) string {
		if links == nil || s == "" {
			return ""
		}
		return links(s)
	}
	byNode := map[string]*findings.Node{}
	for _, n := range res.Nodes {
		byNode[n.Name] = n
		for _, pr := range n.Problems {
			p.Problems = append(p.Problems, n.Name+": "+pr)
		}
	}
	p.Findings = res.Groups()
	for _, g := range p.Findings {
		p.Counts[g.Severity]++
	}
	// Columns: every collector seen anywhere in the run.
	cols := map[string]bool{}
	nodeErrors := map[string][]findings.CollectionError{}
	for _, n := range run.Nodes {
		p.NodeNames = append(p.NodeNames, n.Name)
		for _, it := range n.Items {
			if it.Collector != "" && it.Collector != layout.ErrorsCollector {
				cols[it.Collector] = true
			}
		}
		if it := n.Item(layout.ErrorsCollector, layout.ErrorsItemKey); it != nil {
			if data, err := it.Read(maxItemBytes); err == nil {
				nodeErrors[n.Name] = findings.ParseErrorsLog(data)
				for _, e := range nodeErrors[n.Name] {
					if e.Collector != "" {
						cols[e.Collector] = true
					}
				}
			}
		}
		if n.Status != nil {
			for _, c := range n.Status.Collectors {
				if c != layout.ErrorsCollector {
					cols[c] = true
				}
			}
		}
	}
	for c := range cols {
		p.Columns = append(p.Columns, c)
	}
	slices.Sort(p.Columns)

	// Rows: nodes grouped by their cells' states and item keys, and findings.
	type built struct {
		row *Row
		key string
	}
	var rows []*built
	byKey := map[string]*built{}
	failures := map[string]*Failure{}
	var failureOrder []string
	for _, n := range run.Nodes {
		cells := make([]Cell, len(p.Columns))
		var sig strings.Builder
		var total int64
		for ci, c := range p.Columns {
			var items []*runread.Item
			var size int64
			for _, it := range n.Items {
				if it.Collector == c {
					items = append(items, it)
					size += it.Size
				}
			}
			total += size
			var why []string
			for _, e := range nodeErrors[n.Name] {
				if e.Collector == c {
					why = append(why, e.Key+": "+e.Message)
				}
			}
			cell := Cell{State: "absent"}
			switch {
			case len(items) > 0 && len(why) > 0:
				cell.State = "partial"
			case len(items) > 0:
				cell.State = "collected"
			case len(why) > 0:
				cell.State = "failed"
			}
			cell.Why = why
			if len(items) > 0 {
				cell.Size = humanBytes(size)
			}
			for _, it := range items {
				cell.Items = append(cell.Items, ItemLink{Name: it.Key, Href: href(it.Link), Size: humanBytes(it.Size)})
			}
			cells[ci] = cell
			sig.WriteString(cell.State)
			sig.WriteByte(':')
			for _, it := range items {
				sig.WriteString(it.Key)
				sig.WriteByte(',')
			}
			sig.WriteByte('|')
		}
		var codes []string
		worst := ""
		if f := byNode[n.Name]; f != nil {
			for _, x := range f.Findings {
				sig.WriteString(findings.VariantKey(x, n.Name))
				sig.WriteByte('|')
				if !slices.Contains(codes, x.Code) {
					codes = append(codes, x.Code)
				}
				if worst == "" || rank(x.Severity) < rank(worst) {
					worst = x.Severity
				}
			}
		}
		for _, e := range nodeErrors[n.Name] {
			item := e.Collector + "/" + e.Key
			if e.Collector == "" {
				item = "(other)"
			}
			msg := strings.ReplaceAll(e.Message, n.Name, "{node}")
			k := item + "\x00" + msg
			f := failures[k]
			if f == nil {
				f = &Failure{Item: item, Message: msg}
				failures[k] = f
				failureOrder = append(failureOrder, k)
			}
			f.Nodes = append(f.Nodes, n.Name)
		}
		if n.Status != nil {
			for _, e := range n.Status.Errors {
				if e.Stage == "collection" {
					continue // periscope-errors.log's lines
				}
				k := "status.json " + e.Stage + "\x00" + strings.ReplaceAll(e.Message, n.Name, "{node}")
				f := failures[k]
				if f == nil {
					f = &Failure{Item: "status.json: " + e.Stage, Message: strings.ReplaceAll(e.Message, n.Name, "{node}")}
					failures[k] = f
					failureOrder = append(failureOrder, k)
				}
				f.Nodes = append(f.Nodes, n.Name)
			}
		}
		nl := NodeLink{Name: n.Name}
		if n.Zip != nil {
			nl.Zip = href(n.Zip.Link)
		}
		if n.Status != nil {
			nl.Status = href(n.Name + "/status.json")
		}
		if it := n.Item(layout.ErrorsCollector, layout.ErrorsItemKey); it != nil {
			nl.Errors = href(it.Link)
		}
		b := byKey[sig.String()]
		if b == nil {
			b = &built{row: &Row{Cells: cells, Findings: codes, Worst: worst}, key: sig.String()}
			byKey[b.key] = b
			rows = append(rows, b)
			b.row.Bytes = humanBytes(total)
		}
		b.row.Nodes = append(b.row.Nodes, nl)
	}
	slices.SortStableFunc(rows, func(a, b *built) int {
		if d := rank(a.row.Worst) - rank(b.row.Worst); d != 0 {
			return d
		}
		return len(b.row.Nodes) - len(a.row.Nodes)
	})
	linked := 0
	for _, b := range rows {
		if len(b.row.Nodes) > 1 {
			// The cells are the first node's; sizes vary within the row.
			for i := range b.row.Cells {
				if b.row.Cells[i].Size != "" {
					b.row.Cells[i].Size += " (first node)"
				}
			}
			b.row.Bytes += " (first node)"
		}
		for i := range b.row.Nodes {
			if linked > maxGroupLinks {
				b.row.Nodes[i].Zip, b.row.Nodes[i].Status, b.row.Nodes[i].Errors = "", "", ""
			}
			linked++
		}
		p.Rows = append(p.Rows, *b.row)
	}
	for _, k := range failureOrder {
		p.Failures = append(p.Failures, *failures[k])
	}
	slices.SortStableFunc(p.Failures, func(a, b Failure) int { return len(b.Nodes) - len(a.Nodes) })
	p.Outbound = outbound(run, res)
	p.Tables = tables(run, href)
	return p
}

func rank(s string) int {
	switch s {
	case "ERROR":
		return 0
	case "WARN":
		return 1
	case "INFO":
		return 2
	}
	return 3
}

// window is an element of Periscope's networkoutbound array.
type window struct {
	Type   string    `json:"Type"`
	Start  time.Time `json:"Start"`
	End    time.Time `json:"End"`
	Status string    `json:"Status"`
}

// outbound lays each target's windows out per node on one time axis.
func outbound(run *runread.Run, res *findings.Result) []Target {
	docs := map[string][]byte{}
	for _, n := range res.Nodes {
		if d := n.Documents["networkoutbound"]; len(d) > 0 {
			docs[n.Name] = d
		}
	}
	type nodeWindows struct {
		node    string
		windows []window
	}
	byTarget := map[string][]nodeWindows{}
	var order []string
	for _, n := range run.Nodes {
		data := docs[n.Name]
		if data == nil {
			if it := n.Item("", "networkoutbound"); it != nil {
				data, _ = it.Read(maxItemBytes)
			}
		}
		var ws []window
		if data == nil || json.Unmarshal(data, &ws) != nil {
			continue
		}
		per := map[string][]window{}
		var tOrder []string
		for _, w := range ws {
			if _, ok := per[w.Type]; !ok {
				tOrder = append(tOrder, w.Type)
			}
			per[w.Type] = append(per[w.Type], w)
		}
		for _, t := range tOrder {
			if _, ok := byTarget[t]; !ok {
				order = append(order, t)
			}
			byTarget[t] = append(byTarget[t], nodeWindows{n.Name, per[t]})
		}
	}
	var out []Target
	for _, t := range order {
		tg := Target{Name: t}
		for _, nw := range byTarget[t] {
			for _, w := range nw.windows {
				if tg.Start.IsZero() || w.Start.Before(tg.Start) {
					tg.Start = w.Start
				}
				if w.End.After(tg.End) {
					tg.End = w.End
				}
			}
		}
		span := tg.End.Sub(tg.Start)
		var healthy []string
		for _, nw := range byTarget[t] {
			allOK := true
			for _, w := range nw.windows {
				allOK = allOK && w.Status == "Connected"
			}
			if allOK {
				healthy = append(healthy, nw.node)
				continue
			}
			if len(tg.Rows) >= maxOutboundRows {
				tg.More++
				continue
			}
			row := OutboundRow{Node: nw.node}
			for _, w := range nw.windows {
				left, width := 0.0, 100.0
				if span > 0 {
					left = 100 * float64(w.Start.Sub(tg.Start)) / float64(span)
					width = 100 * float64(w.End.Sub(w.Start)) / float64(span)
				}
				width = max(width, 0.8)
				if left+width > 100 {
					left = 100 - width
				}
				row.Segments = append(row.Segments, Segment{Left: round1(left), Width: round1(width), OK: w.Status == "Connected",
					Title: fmt.Sprintf("%s: %s – %s", w.Status, w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339))})
			}
			tg.Rows = append(tg.Rows, row)
		}
		tg.Healthy = len(healthy)
		tg.HealthyNames = strings.Join(healthy, ", ")
		out = append(out, tg)
	}
	return out
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// tables are the kubectl top tables (systemperf nodes and pods), from the
// cluster folder, else the first node that has them (Periscope's own).
func tables(run *runread.Run, href func(string) string) []Table {
	var out []Table
	var holders []*runread.Node
	if run.Cluster != nil {
		holders = append(holders, run.Cluster)
	}
	holders = append(holders, run.Nodes...)
	for _, key := range []string{"nodes", "pods"} {
		for _, n := range holders {
			it := n.Item("systemperf", key)
			if it == nil {
				continue
			}
			data, err := it.Read(maxItemBytes)
			if err != nil {
				out = append(out, Table{Title: "kubectl top " + key, Text: err.Error()})
				break
			}
			lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
			t := Table{Title: "kubectl top " + key, Href: href(it.Link)}
			if key == "pods" {
				t.Title += " -A"
			}
			if len(lines) > maxTableLines {
				t.Cut = len(lines) - maxTableLines
				lines = lines[:maxTableLines]
			}
			t.Text = strings.Join(lines, "\n")
			out = append(out, t)
			break
		}
	}
	return out
}

// humanBytes prints a size as kubectl and du -h would.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
