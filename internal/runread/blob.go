package runread

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/periscope-otel/periscope/internal/redact"
)

// BlobRef is a parsed blob or container URL.
type BlobRef struct {
	// Container is the container's URL with the query (SAS) kept.
	Container string
	// Path is the blob or prefix inside the container ("" for the container).
	Path string
	// Where is the URL without its query, for messages.
	Where string
	// Expiry is the SAS's se, zero when absent or unreadable.
	Expiry time.Time
}

// IsBlobURL says whether ref is an http(s) URL rather than a path.
func IsBlobURL(ref string) bool {
	return strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://")
}

// ParseBlobURL splits a blob or container URL: https://<account>.blob.<suffix>/<container>[/<path>][?<sas>],
// or an emulator's path-style http://127.0.0.1:10000/<account>/<container>[/<path>].
func ParseBlobURL(raw string) (BlobRef, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return BlobRef{}, fmt.Errorf("not a URL: %s", redact.URL(raw))
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return BlobRef{}, fmt.Errorf("not an http(s) blob URL: %s", redact.URL(raw))
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if segs[0] == "" {
		segs = nil
	}
	lead := 0
	if pathStyle(u.Hostname()) {
		lead = 1 // the account
	}
	if len(segs) <= lead {
		return BlobRef{}, fmt.Errorf("%s names no container", redact.URL(stripQuery(raw)))
	}
	ref := BlobRef{}
	c := *u
	c.Path, c.RawPath = "", ""
	escaped := "/" + strings.Join(segs[:lead+1], "/")
	if p, err := url.PathUnescape(escaped); err == nil {
		c.Path, c.RawPath = p, escaped
	}
	ref.Container = c.String()
	rest, err := url.PathUnescape(strings.Join(segs[lead+1:], "/"))
	if err != nil {
		return BlobRef{}, fmt.Errorf("%s: %w", redact.URL(stripQuery(raw)), err)
	}
	ref.Path = rest
	ref.Where = stripQuery(raw)
	if se := u.Query().Get("se"); se != "" {
		for _, l := range []string{time.RFC3339, "2006-01-02T15:04Z", "2006-01-02"} {
			if t, err := time.Parse(l, se); err == nil {
				ref.Expiry = t
				break
			}
		}
	}
	return ref, nil
}

// pathStyle: an address or localhost carries the account in the path (Azurite).
func pathStyle(host string) bool {
	return net.ParseIP(host) != nil || host == "localhost"
}

func stripQuery(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}

// blobSource reads a container with the azblob SDK the exporter uploads
// with; it only lists and downloads.
type blobSource struct {
	ctx    context.Context
	ref    BlobRef
	client *container.Client
}

func newBlobSource(ctx context.Context, ref BlobRef) (*blobSource, error) {
	client, err := container.NewClientWithNoCredential(ref.Container, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", ref.Where, redact.Text(err.Error()))
	}
	return &blobSource{ctx: ctx, ref: ref, client: client}, nil
}

// openBlob reads what a blob URL names: a node zip, a node or run prefix, or
// a container (the run runID, else its newest run).
func openBlob(ctx context.Context, raw, runID string) (*Run, error) {
	ref, err := ParseBlobURL(raw)
	if err != nil {
		return nil, err
	}
	s, err := newBlobSource(ctx, ref)
	if err != nil {
		return nil, err
	}
	p := strings.Trim(ref.Path, "/")
	switch {
	case strings.HasSuffix(p, ".zip"):
		return s.zipRun(p, runID)
	case p == "":
		if runID == "" {
			if runID, err = s.newestRun(); err != nil {
				return nil, err
			}
		}
		return s.run(runID, "")
	}
	runPart, nodePart, _ := strings.Cut(p, "/")
	if runID != "" && runID != runPart {
		return nil, fmt.Errorf("%s is in run %s, not %s", ref.Where, runPart, runID)
	}
	return s.run(runPart, nodePart)
}

// newestRun is the container's last top-level folder with a run ID's shape.
func (s *blobSource) newestRun() (string, error) {
	pager := s.client.NewListBlobsHierarchyPager("/", nil)
	var runs []string
	for pager.More() {
		page, err := pager.NextPage(s.ctx)
		if err != nil {
			return "", s.explain("list "+s.ref.Where, err)
		}
		for _, p := range page.Segment.BlobPrefixes {
			if name := strings.TrimSuffix(deref(p.Name), "/"); looksLikeRunID(name) {
				runs = append(runs, name)
			}
		}
	}
	if len(runs) == 0 {
		return "", fmt.Errorf("%s: no run folder (YYYY-MM-DDThh-mm-ssZ) in the container; name the run with --run-id", s.ref.Where)
	}
	slices.Sort(runs)
	return runs[len(runs)-1], nil
}

// run lists <runID>/ (or one node of it) and builds its nodes.
func (s *blobSource) run(runID, onlyNode string) (*Run, error) {
	prefix := runID + "/"
	if onlyNode != "" {
		prefix += strings.TrimSuffix(onlyNode, "/") + "/"
	}
	run := &Run{ID: runID, Where: s.ref.Where}
	builders := map[string]*nodeBuilder{}
	var order []string
	pager := s.client.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(s.ctx)
		if err != nil {
			return nil, s.explain("list "+strings.TrimSuffix(s.ref.Container, "?"+queryOf(s.ref.Container))+"/"+prefix, err)
		}
		for _, b := range page.Segment.BlobItems {
			name := deref(b.Name)
			rest := strings.TrimPrefix(name, runID+"/")
			node, file, ok := strings.Cut(rest, "/")
			if !ok || file == "" || strings.Contains(file, "/") {
				continue // report.html and anything else beside the nodes
			}
			nb := builders[node]
			if nb == nil {
				nb = newNodeBuilder(node)
				builders[node] = nb
				order = append(order, node)
			}
			var size int64
			if b.Properties != nil && b.Properties.ContentLength != nil {
				size = *b.Properties.ContentLength
			}
			nb.file(file, rest, size, s.opener(name))
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: no blob under %s", s.ref.Where, prefix)
	}
	for _, node := range order {
		nb := builders[node]
		n := nb.finish(s.zipOpener(runID + "/" + node + "/"))
		if node == ClusterFolder {
			run.Cluster = n
			continue
		}
		run.Nodes = append(run.Nodes, n)
	}
	sortNodes(run.Nodes)
	return run, nil
}

// zipRun reads one node zip blob.
func (s *blobSource) zipRun(name, runID string) (*Run, error) {
	props, err := s.client.NewBlobClient(name).GetProperties(s.ctx, nil)
	if err != nil {
		return nil, s.explain("read "+s.ref.Where, err)
	}
	size := int64(0)
	if props.ContentLength != nil {
		size = *props.ContentLength
	}
	segs := strings.Split(name, "/")
	node := strings.TrimSuffix(segs[len(segs)-1], ".zip")
	if runID == "" && len(segs) >= 3 {
		runID = segs[len(segs)-3]
	}
	b := newNodeBuilder(node)
	b.node.Zip = &Item{Key: segs[len(segs)-1], Size: size}
	var zipErr error
	n := b.finish(func(z *Item) (zipDir, error) {
		dir, err := s.readZip(name, size)
		zipErr = err
		return dir, err
	})
	if zipErr != nil {
		return nil, fmt.Errorf("%s: %w", s.ref.Where, zipErr)
	}
	return &Run{ID: runID, Where: s.ref.Where, Nodes: []*Node{n}}, nil
}

func (s *blobSource) zipOpener(prefix string) func(*Item) (zipDir, error) {
	return func(z *Item) (zipDir, error) { return s.readZip(prefix+z.Key, z.Size) }
}

// readZip reads a zip blob's directory with ranged reads: the entries'
// data is fetched only when an entry is opened.
func (s *blobSource) readZip(name string, size int64) (zipDir, error) {
	ra := &blobReaderAt{s: s, name: name}
	dir, zr, err := readZipDir(ra, size)
	if err != nil {
		return nil, err
	}
	for i := range dir {
		entry := dir[i].name
		dir[i].open = func() (io.ReadCloser, error) { return zr.Open(entry) }
	}
	return dir, nil
}

func (s *blobSource) opener(name string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		resp, err := s.client.NewBlobClient(name).DownloadStream(s.ctx, nil)
		if err != nil {
			return nil, s.explain("download "+name, err)
		}
		return resp.Body, nil
	}
}

// blobReaderAt reads ranges of one blob.
type blobReaderAt struct {
	s    *blobSource
	name string
}

func (r *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	resp, err := r.s.client.NewBlobClient(r.name).DownloadStream(r.s.ctx, &blob.DownloadStreamOptions{
		Range: blob.HTTPRange{Offset: off, Count: int64(len(p))},
	})
	if err != nil {
		return 0, r.s.explain("download "+r.name, err)
	}
	defer resp.Body.Close()
	n, err := io.ReadFull(resp.Body, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

// authDetail is the service's own explanation of an authentication failure.
var authDetail = regexp.MustCompile(`(?s)<AuthenticationErrorDetail>(.*?)</AuthenticationErrorDetail>`)

// explain turns an SDK error into one line naming the cause, without the
// SAS signature (the exporter's wording for the same causes).
func (s *blobSource) explain(what string, err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return fmt.Errorf("%s: blob service unreachable: %s", redact.Text(what), redact.Text(strings.Join(strings.Fields(err.Error()), " ")))
	}
	code := bloberror.Code(re.ErrorCode)
	var why string
	switch {
	case code == bloberror.ContainerNotFound:
		why = "the container does not exist"
	case code == bloberror.BlobNotFound:
		why = "no such blob"
	case re.StatusCode == 403 && !s.ref.Expiry.IsZero() && time.Now().After(s.ref.Expiry):
		why = fmt.Sprintf("authentication failed: the SAS token expired at %s", s.ref.Expiry.UTC().Format(time.RFC3339))
	case code == bloberror.AuthenticationFailed:
		why = "authentication failed"
		if m := authDetail.FindStringSubmatch(re.Error()); m != nil {
			why += " (" + strings.TrimSpace(m[1]) + ")"
		}
	case code == bloberror.AuthorizationPermissionMismatch, code == bloberror.AuthorizationFailure,
		code == bloberror.AuthorizationResourceTypeMismatch:
		why = "the SAS does not allow it (reading needs the r and l permissions)"
	case re.StatusCode == 403:
		why = "access denied"
	default:
		why = "the blob service refused it"
	}
	return fmt.Errorf("%s: %s [HTTP %d %s]", redact.Text(what), redact.Text(why), re.StatusCode, re.ErrorCode)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func queryOf(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[i+1:]
	}
	return ""
}
