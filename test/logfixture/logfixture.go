// Package logfixture writes the container logs a kubelet keeps under
// <root>/var/log/pods, and node log files, for tests and benchmarks of the
// log collectors. A tree is deterministic (the same Options write the same
// bytes), fast to write at gigabyte sizes, and described file by file: node
// path, Periscope item key, and the expected item's length, SHA-256 and
// CRC-32, so a test checks a collected copy without holding either file in
// memory.
//
// The lines are what a container runtime writes (CRI format):
//
//	2026-11-28T10:00:00.123456789Z stderr F I1128 10:00:00.123456       1 reflector.go:376] Listing and watching *v1.Pod
//
// stdout and stderr, klog and JSON messages, Go stack traces, trailing
// blanks, and lines longer than the runtime's 16 KiB buffer split into
// partial (P) lines ended by a full (F) one.
package logfixture

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// PodsDirectory is where the kubelet keeps container logs on a node.
const PodsDirectory = "/var/log/pods"

// RotationStamp is the layout of the suffix the kubelet gives a rotated
// container log (0.log.20261128-100000, then .gz when compressed).
const RotationStamp = "20060102-150405"

// Collectors of the items, as Periscope names them.
const (
	ContainerLogs = "containerlogs"
	NodeLogs      = "nodelogs"
)

// Options describe a pod-log tree. Zero values take the defaults named.
type Options struct {
	// Seed makes the tree: the same seed and options write the same bytes.
	Seed uint64
	// Namespaces the pods are spread over, round robin (default
	// kube-system).
	Namespaces []string
	// Containers is the number of containers, each with its current log
	// file <restart>.log (default 8).
	Containers int
	// Bytes is about how much content all the files hold together,
	// decompressed (default 8 MiB). Each file ends at a line end, so the
	// total can exceed it by a line per file.
	Bytes int64
	// SharedHead is the fraction (0 to 1) of containers whose current log
	// files begin with the same SharedHeadBytes, byte for byte (the
	// replicas of one image logging the same start-up banner at the same
	// instant). The other files differ from their first line.
	SharedHead float64
	// SharedHeadBytes is the length of the identical beginning, rounded up
	// to a line end (at most 2 KiB more; default 8 KiB).
	SharedHeadBytes int
	// PlainRotations and GzipRotations are the rotations the kubelet keeps
	// beside each current file: <restart>.log.<stamp> as written, and
	// <restart>.log.<stamp>.gz compressed (older). Each is its own file and
	// item; a gzip rotation's item is its decompressed content.
	PlainRotations, GzipRotations int
	// Start is the time of the first lines (default 2026-11-28T10:00:00Z).
	Start time.Time
}

// File is one file the generator wrote and the item a collector should
// make of it.
type File struct {
	// Path is the file on this machine (under the tree's root).
	Path string
	// NodePath is the file's path on the node (Path without the root).
	NodePath string
	// Collector and Key name the item: containerlogs
	// <ns>_<pod>_<container>_<restart>.log[.<stamp>], or nodelogs
	// var_log_x.log.
	Collector, Key string
	// Namespace, Pod and Container of a container log.
	Namespace, Pod, Container string
	// Gzip says the file is compressed; its item is the content.
	Gzip bool
	// SharedHead says the file begins with the tree's identical head.
	SharedHead bool
	// Size, SHA256 and CRC32 describe the expected item: the file's bytes,
	// decompressed for a gzip rotation. CRC32 (IEEE) is what a zip entry
	// records, so an entry can be checked without reading it.
	Size   int64
	SHA256 [sha256.Size]byte
	CRC32  uint32
}

// ZipEntry is the item's name in the node zip: <collector>/<key>.
func (f File) ZipEntry() string { return f.Collector + "/" + f.Key }

// Tree is what Pods wrote.
type Tree struct {
	// Root is the node root: the files are under Root/var/log/pods.
	Root string
	// Namespaces the pods are in, as DIAGNOSTIC_CONTAINERLOGS_LIST would
	// select them.
	Namespaces []string
	// Files in the order of their node paths.
	Files []File
	// SharedHeadBytes is the length of the identical head (0 when no file
	// has it).
	SharedHeadBytes int
}

// Bytes is the content of all the files together (decompressed).
func (t *Tree) Bytes() int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Size
	}
	return n
}

// ContainerLogsList is DIAGNOSTIC_CONTAINERLOGS_LIST selecting every file
// of the tree.
func (t *Tree) ContainerLogsList() string { return strings.Join(t.Namespaces, " ") }

// Open returns the expected content of the item: the file, decompressed
// when it is a gzip rotation.
func (f File) Open() (io.ReadCloser, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, err
	}
	if !f.Gzip {
		return fh, nil
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(fh, 1<<20))
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{zr, fh}, nil
}

// CheckFile compares a collected item file with the expected content.
func (f File) CheckFile(path string) error {
	return f.Check(func() (io.ReadCloser, error) { return os.Open(path) })
}

// CheckZip compares a zip entry with the expected content: its recorded
// size and CRC-32 first, then its content.
func (f File) CheckZip(zf *zip.File) error {
	if int64(zf.UncompressedSize64) != f.Size || zf.CRC32 != f.CRC32 {
		// The content comparison says where they differ.
		if err := f.Check(zf.Open); err != nil {
			return err
		}
		return fmt.Errorf("zip entry %s: recorded %d bytes, CRC-32 %08x; want %d bytes, %08x",
			zf.Name, zf.UncompressedSize64, zf.CRC32, f.Size, f.CRC32)
	}
	return f.Check(zf.Open)
}

// Check reads what open returns and compares it with the expected
// content: by length and SHA-256, and on a difference by reading both
// again to name the first differing byte with the lines around it.
func (f File) Check(open func() (io.ReadCloser, error)) error {
	r, err := open()
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	r.Close()
	if err != nil {
		return fmt.Errorf("read the copy of %s: %w", f.NodePath, err)
	}
	if n == f.Size && bytes.Equal(h.Sum(nil), f.SHA256[:]) {
		return nil
	}
	r, err = open()
	if err != nil {
		return err
	}
	defer r.Close()
	want, err := f.Open()
	if err != nil {
		return err
	}
	defer want.Close()
	return firstDifference(f, want, r, n)
}

// firstDifference names where got departs from want.
func firstDifference(f File, want, got io.Reader, gotSize int64) error {
	const chunk = 1 << 20
	wb, gb := make([]byte, chunk), make([]byte, chunk)
	var off int64
	for {
		wn, werr := io.ReadFull(want, wb)
		gn, gerr := io.ReadFull(got, gb)
		m := min(wn, gn)
		for i := range m {
			if wb[i] != gb[i] {
				return fmt.Errorf("%s (item %s, %d bytes): the copy (%d bytes) differs at byte %d:\n  want %q\n  got  %q",
					f.NodePath, f.Key, f.Size, gotSize, off+int64(i), around(wb[:wn], i), around(gb[:gn], i))
			}
		}
		if wn != gn {
			return fmt.Errorf("%s (item %s): the copy has %d bytes, want %d; the first %d are the same",
				f.NodePath, f.Key, gotSize, f.Size, off+int64(m))
		}
		off += int64(m)
		if werr != nil || gerr != nil {
			if !isEOF(werr) {
				return werr
			}
			if !isEOF(gerr) {
				return gerr
			}
			return fmt.Errorf("%s (item %s): same bytes, yet the hash differs", f.NodePath, f.Key)
		}
	}
}

func isEOF(err error) bool {
	return err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// around is the line holding b[i], cut to 120 bytes either side.
func around(b []byte, i int) []byte {
	start := max(0, i-120)
	if j := bytes.LastIndexByte(b[start:i], '\n'); j >= 0 {
		start += j + 1
	}
	end := min(len(b), i+120)
	if j := bytes.IndexByte(b[i:end], '\n'); j >= 0 {
		end = i + j + 1
	}
	return b[start:end]
}

// Pods writes a pod-log tree under root (which it creates).
func Pods(root string, o Options) (*Tree, error) {
	o = o.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	t := &Tree{Root: root, Namespaces: o.Namespaces}

	shared := int(o.SharedHead*float64(o.Containers) + 0.5)
	var head []byte
	if shared > 0 {
		g := newLineGen(o.Seed^0x5eed, o.Start.Add(-time.Hour), "banner")
		for len(head) < o.SharedHeadBytes {
			// An entry that would take the head far past its length (a
			// long line) is drawn again.
			if next := g.appendEntry(head); len(next) <= o.SharedHeadBytes+2048 {
				head = next
			}
		}
		t.SharedHeadBytes = len(head)
	}
	// Which containers share the head: chosen by the seed, not the first
	// ones, so a collector's order of reading is no help.
	sharing := map[int]bool{}
	for _, i := range rng.Perm(o.Containers)[:shared] {
		sharing[i] = true
	}

	var jobs []job
	pods := newPodNamer(rng)
	perFile := 1 + o.PlainRotations + o.GzipRotations
	weights := make([]float64, o.Containers*perFile)
	var sum float64
	for i := range weights {
		weights[i] = 0.25 + 1.5*rng.Float64()
		sum += weights[i]
	}
	for c := range o.Containers {
		ns := o.Namespaces[c%len(o.Namespaces)]
		pod, container := pods.next()
		restart := 0
		if rng.IntN(5) == 0 {
			restart = 1 + rng.IntN(3)
		}
		uid := uuid(rng)
		dir := path.Join(PodsDirectory, ns+"_"+pod+"_"+uid, container)
		base := fmt.Sprintf("%d.log", restart)
		key := ns + "_" + pod + "_" + container + "_" + base
		// A container's files in time order: the oldest rotations are
		// compressed, the newest rotation is not, then the current file.
		start := o.Start.Add(time.Duration(c) * 1337 * time.Millisecond)
		rotations := o.GzipRotations + o.PlainRotations
		for r := range perFile {
			w := weights[c*perFile+r]
			j := job{
				file: File{
					Collector: ContainerLogs, Namespace: ns, Pod: pod, Container: container,
				},
				size:  int64(float64(o.Bytes) * w / sum),
				seed:  o.Seed + uint64(c*perFile+r)*0x1000193 + 1,
				start: start.Add(time.Duration(r) * 6 * time.Hour),
				label: container,
			}
			if r < rotations {
				// Rotated when the next file began.
				stamp := start.Add(time.Duration(r+1) * 6 * time.Hour).Add(-time.Second).UTC().Format(RotationStamp)
				j.file.NodePath = path.Join(dir, base+"."+stamp)
				j.file.Key = key + "." + stamp
				if r < o.GzipRotations {
					j.file.Gzip = true
					j.file.NodePath += ".gz"
				}
			} else {
				j.file.NodePath = path.Join(dir, base)
				j.file.Key = key
				if sharing[c] {
					j.file.SharedHead = true
					j.head = head
				}
			}
			j.file.Path = filepath.Join(root, filepath.FromSlash(j.file.NodePath))
			jobs = append(jobs, j)
		}
	}
	files, err := write(jobs)
	if err != nil {
		return nil, err
	}
	t.Files = files
	sort.Slice(t.Files, func(i, j int) bool { return t.Files[i].NodePath < t.Files[j].NodePath })
	return t, nil
}

// NodeLog writes a node log file of about size bytes at nodePath under
// root: timestamped lines as cloud-init and the provisioning scripts
// write them, with indented tracebacks, blank lines, and now and then a
// line a line reader would change (bytes that are not UTF-8, NUL, CRLF,
// trailing blanks). Its item is nodelogs var_log_… (the node path with
// "/" turned into "_").
func NodeLog(root, nodePath string, size int64, seed uint64) (File, error) {
	j := job{
		file: File{
			Path:      filepath.Join(root, filepath.FromSlash(nodePath)),
			NodePath:  nodePath,
			Collector: NodeLogs,
			Key:       strings.TrimLeft(strings.ReplaceAll(nodePath, "/", "_"), "_"),
		},
		size:  size,
		seed:  seed,
		start: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC),
		node:  true,
	}
	files, err := write([]job{j})
	if err != nil {
		return File{}, err
	}
	return files[0], nil
}

func (o Options) withDefaults() Options {
	if len(o.Namespaces) == 0 {
		o.Namespaces = []string{"kube-system"}
	}
	if o.Containers <= 0 {
		o.Containers = 8
	}
	if o.Bytes <= 0 {
		o.Bytes = 8 << 20
	}
	if o.SharedHeadBytes <= 0 {
		o.SharedHeadBytes = 8 << 10
	}
	o.SharedHead = min(max(o.SharedHead, 0), 1)
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	}
	return o
}

// job is one file to write.
type job struct {
	file  File
	size  int64
	seed  uint64
	start time.Time
	label string
	head  []byte
	node  bool
}

// write runs the jobs on every CPU; each file has its own generator, so
// the bytes do not depend on the order.
func write(jobs []job) ([]File, error) {
	out := make([]File, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = jobs[i].run()
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// bufSize is the write size: lines are built in memory and written in
// large blocks.
const bufSize = 1 << 20

func (j job) run() (File, error) {
	f := j.file
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
		return f, err
	}
	fh, err := os.Create(f.Path)
	if err != nil {
		return f, err
	}
	defer fh.Close()
	var sink io.Writer = fh
	var zw *gzip.Writer
	if f.Gzip {
		zw, _ = gzip.NewWriterLevel(fh, gzip.BestSpeed)
		sink = zw
	}
	sum, crc := sha256.New(), crc32.NewIEEE()
	out := []io.Writer{sink, sum, crc}
	buf := make([]byte, 0, bufSize+64<<10)
	flush := func() error {
		for _, w := range out {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("write %s: %w", f.Path, err)
			}
		}
		f.Size += int64(len(buf))
		buf = buf[:0]
		return nil
	}
	buf = append(buf, j.head...)
	g := newLineGen(j.seed, j.start, j.label)
	for f.Size+int64(len(buf)) < j.size {
		if j.node {
			buf = g.appendNodeLine(buf)
		} else {
			buf = g.appendEntry(buf)
		}
		if len(buf) >= bufSize {
			if err := flush(); err != nil {
				return f, err
			}
		}
	}
	if err := flush(); err != nil {
		return f, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return f, fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	copy(f.SHA256[:], sum.Sum(nil))
	f.CRC32 = crc.(hash.Hash32).Sum32()
	return f, fh.Close()
}

// uuid is a random (version 4) pod UID in its hex form.
func uuid(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
