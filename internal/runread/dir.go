package runread

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// openDir reads a node folder, a run folder, or an output directory holding
// run folders (the newest, or runID).
func openDir(dir, runID string) (*Run, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	abs, _ := filepath.Abs(dir)
	name := filepath.Base(abs)
	var files, dirs []string
	for _, e := range entries {
		switch {
		case e.IsDir():
			dirs = append(dirs, e.Name())
		case e.Type().IsRegular():
			files = append(files, e.Name())
		}
	}
	switch {
	case slices.Contains(files, "status.json") || slices.Contains(files, name+".zip") || (len(files) > 0 && len(dirs) == 0):
		// A node folder: its parent is the run.
		parent := filepath.Dir(abs)
		run := &Run{ID: filepath.Base(parent), Where: dir, LinkBase: parent}
		run.Nodes = []*Node{readNodeDir(abs, name, name+"/")}
		return run, nil
	case len(dirs) == 0:
		return nil, fmt.Errorf("%s: empty folder: no run, node or item in it", dir)
	}
	var runs []string
	for _, d := range dirs {
		if looksLikeRunID(d) {
			runs = append(runs, d)
		}
	}
	if len(runs) > 0 {
		// An output directory: run IDs are UTC timestamps, the newest sorts last.
		pick := runs[len(runs)-1]
		if runID != "" {
			if !slices.Contains(dirs, runID) {
				return nil, fmt.Errorf("%s: no run %s (runs: %s)", dir, runID, strings.Join(runs, " "))
			}
			pick = runID
		}
		return readRunDir(filepath.Join(dir, pick), pick), nil
	}
	return readRunDir(dir, name), nil
}

// readRunDir reads <run-id>/: a folder per node, cluster/ apart.
func readRunDir(dir, runID string) *Run {
	abs, _ := filepath.Abs(dir)
	run := &Run{ID: runID, Where: dir, LinkBase: abs}
	entries, err := os.ReadDir(dir)
	if err != nil {
		run.Problems = append(run.Problems, fmt.Sprintf("%s: %v", dir, err))
		return run
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n := readNodeDir(filepath.Join(abs, e.Name()), e.Name(), e.Name()+"/")
		if e.Name() == ClusterFolder {
			run.Cluster = n
			continue
		}
		if len(n.Items) == 0 && n.Status == nil {
			n.Problems = append(n.Problems, "the node folder holds no item")
		}
		run.Nodes = append(run.Nodes, n)
	}
	sortNodes(run.Nodes)
	return run
}

// readNodeDir reads one node folder; link is its path relative to the run.
func readNodeDir(dir, node, link string) *Node {
	b := newNodeBuilder(node)
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.node.Problems = append(b.node.Problems, err.Error())
		return b.node
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			b.node.Problems = append(b.node.Problems, fmt.Sprintf("%s: %v", e.Name(), err))
			continue
		}
		p := filepath.Join(dir, e.Name())
		b.file(e.Name(), link+e.Name(), info.Size(), func() (io.ReadCloser, error) { return os.Open(p) })
	}
	return b.finish(func(z *Item) (zipDir, error) { return openZipFile(filepath.Join(dir, z.Key)) })
}

// openZipFile reads a zip's directory; entries open the file again each
// time, so nothing stays open after the run is read.
func openZipFile(p string) (zipDir, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	dir, _, err := readZipDir(f, info.Size())
	if err != nil {
		return nil, err
	}
	for i := range dir {
		name := dir[i].name
		dir[i].open = func() (io.ReadCloser, error) {
			zr, err := zip.OpenReader(p)
			if err != nil {
				return nil, err
			}
			rc, err := zr.Open(name)
			if err != nil {
				zr.Close()
				return nil, err
			}
			return readCloser{rc, zr}, nil
		}
	}
	return dir, nil
}

type readCloser struct {
	io.Reader
	zr *zip.ReadCloser
}

func (r readCloser) Close() error { return r.zr.Close() }

// readZipDir lists a zip's file entries; open is filled by the caller.
func readZipDir(r io.ReaderAt, size int64) (zipDir, *zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, nil, fmt.Errorf("not a readable zip: %w", err)
	}
	var dir zipDir
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !fs.ValidPath(f.Name) {
			continue
		}
		dir = append(dir, zipEntry{name: f.Name, size: int64(f.UncompressedSize64)})
	}
	return dir, zr, nil
}

// openZipArg reads a node zip given alone: the node is its name, the run
// its folder's when that is a run ID.
func openZipArg(p, runID string) (*Run, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	node := strings.TrimSuffix(filepath.Base(abs), ".zip")
	if runID == "" {
		if parent := filepath.Base(filepath.Dir(filepath.Dir(abs))); looksLikeRunID(parent) {
			runID = parent
		}
	}
	dir, err := openZipFile(abs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	b := newNodeBuilder(node)
	b.node.Zip = &Item{Key: filepath.Base(abs)}
	n := b.finish(func(*Item) (zipDir, error) { return dir, nil })
	for _, it := range n.Items {
		it.Link = ""
	}
	return &Run{ID: runID, Where: p, Nodes: []*Node{n}}, nil
}
