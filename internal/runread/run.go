// Package runread reads a Periscope run after the fact: a run folder on disk,
// a node zip, or the blobs of a container, in this project's layout or
// Periscope's own (`<run-id>/<node>/<item>`, `<node>.zip` with entries
// `<collector>/<item>`). It never writes to where it reads.
//
// What cannot be read is named on the run or the node it belongs to, and the
// rest is read: a corrupt zip costs only the entries that were only in it.
package runread

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/periscope-otel/periscope/internal/layout"
)

// ClusterFolder holds a run's cluster-scoped items (exporter README).
const ClusterFolder = "cluster"

// Run is one run ID's nodes as found.
type Run struct {
	ID string
	// Where says where the run was read, without credentials.
	Where string
	Nodes []*Node
	// Cluster holds <run-id>/cluster/, nil when the run has none.
	Cluster *Node
	// Problems are inputs that could not be read at all (a missing node
	// folder, an expired SAS), each naming what.
	Problems []string
	// LinkBase is the run folder on disk, when items can be linked to.
	LinkBase string
}

// Node is one node's folder (and zip).
type Node struct {
	Name  string
	Items []*Item
	// Status is status.json, nil when absent (Periscope's own runs).
	Status *Status
	// Zip is the node zip, nil when absent.
	Zip *Item
	// Problems are what of this node could not be read.
	Problems []string
}

// Item is one collected item.
type Item struct {
	// Collector is the zip folder (or status.json's collector); a known key
	// names it when neither says (KnownCollector).
	Collector string
	Key       string
	Size      int64
	// Link is the item's path relative to the run folder, "" when the item
	// is only inside the zip.
	Link string
	// InZip: the item is (also) an entry of the node zip.
	InZip bool
	open  func() (io.ReadCloser, error)
}

// ErrTooLarge is returned by Read for an item over the limit.
type ErrTooLarge struct {
	Item  string
	Limit int64
}

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes: not read", e.Item, e.Limit)
}

// Name is collector/key, as the diagnoser names items.
func (it *Item) Name() string {
	if it.Collector == "" {
		return it.Key
	}
	return it.Collector + "/" + it.Key
}

// Read returns the item's content, at most limit bytes.
func (it *Item) Read(limit int64) ([]byte, error) {
	if it.Size > limit {
		return nil, &ErrTooLarge{Item: it.Name(), Limit: limit}
	}
	rc, err := it.open()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", it.Name(), err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", it.Name(), err)
	}
	if int64(len(data)) > limit {
		return nil, &ErrTooLarge{Item: it.Name(), Limit: limit}
	}
	return data, nil
}

// Item returns the node's item of that collector and key; collector "" matches any.
func (n *Node) Item(collector, key string) *Item {
	for _, it := range n.Items {
		if it.Key == key && (collector == "" || it.Collector == collector) {
			return it
		}
	}
	return nil
}

// Status is the part of status.json (exporter README) a reader uses.
type Status struct {
	RunID      string   `json:"run_id"`
	Node       string   `json:"node"`
	Delivered  bool     `json:"delivered"`
	Complete   *bool    `json:"complete"`
	Collectors []string `json:"collectors"`
	Items      []struct {
		Name      string `json:"name"`
		Collector string `json:"collector"`
		Bytes     int64  `json:"bytes"`
	} `json:"items"`
	ClusterItems []struct {
		Name      string `json:"name"`
		Collector string `json:"collector"`
		Bytes     int64  `json:"bytes"`
	} `json:"cluster_items"`
	TotalBytes int64 `json:"total_bytes"`
	Errors     []struct {
		Stage   string `json:"stage"`
		Message string `json:"message"`
	} `json:"errors"`
}

// knownCollectors names the collector of this project's and Periscope's
// item keys, for items found without status.json or zip.
var knownCollectors = map[string]string{
	"virtualmachine": "dns", "kubernetes": "dns", "kubelet-resolv-conf": "dns",
	"coredns": "dns", "coredns-custom": "dns",
	"iptables": "iptables", "iptables-save": "iptables", "ip6tables-save": "iptables",
	"kubeletcmd": "kubeletcmd", "kubeletconfig": "kubeletcmd",
	"connectivity.log": "networkoutbound", "connectivity.json": "networkoutbound",
	"Internet": "networkoutbound", "AKS API Server": "networkoutbound", "AKS Tunnel": "networkoutbound",
	"Azure Container Registry": "networkoutbound", "Microsoft Container Registry": "networkoutbound",
	"diagnostics.log": "diagnoser", "diagnostics.json": "diagnoser", "networkconfig": "diagnoser",
	"networkoutbound": "diagnoser", layout.ErrorsItemKey: layout.ErrorsCollector,
	"containerlogs-index": "containerlogs", "nodes": "systemperf", "pods": "systemperf", "helm_list": "helm",
}

// KnownCollector guesses the collector of an item key found alone.
func KnownCollector(key string) string {
	if c, ok := knownCollectors[key]; ok {
		return c
	}
	switch {
	case strings.HasPrefix(key, "var_log_") || strings.HasPrefix(key, "C:_"):
		return "nodelogs"
	case strings.HasSuffix(key, ".log") || strings.Contains(key, ".log."):
		return "containerlogs"
	}
	return ""
}

// reserved are files of a node folder that are not items.
func reserved(node, name string) bool {
	return name == layout.StatusKey || name == node+".zip" || name == ".periscope-publish-pending" ||
		strings.HasPrefix(name, ".")
}

// nodeBuilder gathers a node's files from any source.
type nodeBuilder struct {
	node   *Node
	status []byte
}

func newNodeBuilder(name string) *nodeBuilder { return &nodeBuilder{node: &Node{Name: name}} }

// file adds one file of the node folder.
func (b *nodeBuilder) file(name, link string, size int64, open func() (io.ReadCloser, error)) {
	if name == layout.StatusKey {
		rc, err := open()
		if err == nil {
			b.status, err = io.ReadAll(io.LimitReader(rc, 16<<20))
			rc.Close()
		}
		if err != nil {
			b.node.Problems = append(b.node.Problems, fmt.Sprintf("status.json: %v", err))
		}
		return
	}
	if name == b.node.Name+".zip" {
		b.node.Zip = &Item{Key: name, Size: size, Link: link, open: open}
		return
	}
	if reserved(b.node.Name, name) {
		return
	}
	b.node.Items = append(b.node.Items, &Item{Key: name, Size: size, Link: link, open: open})
}

// finish reads status.json and the zip's directory, names every item's
// collector and sorts the items.
func (b *nodeBuilder) finish(zipOpener func(*Item) (zipDir, error)) *Node {
	n := b.node
	collectors := map[string]string{}
	if b.status != nil {
		var st Status
		if err := json.Unmarshal(b.status, &st); err != nil {
			n.Problems = append(n.Problems, fmt.Sprintf("status.json is not the exporter's JSON: %v", err))
		} else {
			n.Status = &st
			for _, it := range st.Items {
				collectors[it.Name] = it.Collector
			}
		}
	}
	if n.Zip != nil && zipOpener != nil {
		dir, err := zipOpener(n.Zip)
		if err != nil {
			n.Problems = append(n.Problems, fmt.Sprintf("%s: %v (the items beside it are read)", n.Zip.Key, err))
		} else {
			for _, e := range dir {
				collector, key, ok := strings.Cut(e.name, "/")
				if !ok || key == "" || strings.Contains(key, "/") {
					continue
				}
				if it := n.Item("", key); it != nil && (it.Collector == "" || it.Collector == collector) {
					it.Collector, it.InZip = collector, true
					if collectors[key] == "" {
						collectors[key] = collector
					}
					continue
				}
				n.Items = append(n.Items, &Item{Collector: collector, Key: key, Size: e.size, InZip: true, open: e.open})
			}
		}
	}
	for _, it := range n.Items {
		if it.Collector == "" {
			it.Collector = collectors[it.Key]
		}
		if it.Collector == "" {
			it.Collector = KnownCollector(it.Key)
		}
	}
	slices.SortFunc(n.Items, func(a, b *Item) int {
		return strings.Compare(a.Collector+"\x00"+a.Key, b.Collector+"\x00"+b.Key)
	})
	return n
}

// zipEntry is one entry of a zip's directory.
type zipEntry struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
}

type zipDir []zipEntry

// sortNodes orders nodes by name, cluster last.
func sortNodes(nodes []*Node) {
	slices.SortFunc(nodes, func(a, b *Node) int { return strings.Compare(a.Name, b.Name) })
}

// nopCloser wraps bytes as an opener.
func bytesOpener(data []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

// looksLikeRunID says whether a folder name has Periscope's run ID shape
// (YYYY-MM-DDThh-mm-ssZ); other IDs are accepted where the layout is clear.
func looksLikeRunID(name string) bool {
	if len(name) != len("2006-01-02T15-04-05Z") || name[10] != 'T' || !strings.HasSuffix(name, "Z") {
		return false
	}
	for i, c := range name[:19] {
		switch i {
		case 4, 7, 13, 16:
			if c != '-' {
				return false
			}
		case 10:
		default:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// base is the last element of a slash path.
func base(p string) string { return path.Base(strings.TrimSuffix(p, "/")) }
