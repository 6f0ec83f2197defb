package report

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/analyze"
)

// chromium is Debian's headless browser (make test-deps installs it).
func chromium(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	tb.Fatal("chromium is not installed: `make test-deps` installs Debian's chromium package")
	return ""
}

// browser starts headless chromium; the context ends it.
func browser(tb testing.TB) (context.Context, context.CancelFunc) {
	tb.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(tb)), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1400, 1000), chromedp.Flag("allow-file-access-from-files", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	return ctx, func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
}

// load opens a file in the browser and waits for sel.
func load(tb testing.TB, ctx context.Context, file, sel string) {
	tb.Helper()
	_, err := chromedp.Run(ctx, chromedp.Navigate("file://"+file))
	require.NoError(tb, err)
	_, err = chromedp.Run(ctx, chromedp.WaitReady(sel))
	require.NoError(tb, err)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](tb testing.TB, ctx context.Context, expr string) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(tb, err, expr)
	return v
}

// artifactDir is where screenshots are kept: $PERISCOPE_TEST_ARTIFACTS, or
// a folder under the system's temporary directory (logged).
func artifactDir(tb testing.TB) string {
	dir := os.Getenv("PERISCOPE_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "periscope-test-artifacts")
	}
	require.NoError(tb, os.MkdirAll(dir, 0o755))
	return dir
}

// The run's report.html, as the exporter wrote it beside the node folders,
// opened from disk in a real browser: every node, every finding code and
// every item the run could not collect is on the page, and every item link
// opens a file of the run. A screenshot is kept.
func TestReportInBrowser(t *testing.T) {
	out := collectedRun(t)
	page := filepath.Join(out, runID, "report.html")
	require.FileExists(t, page)

	ctx, cancel := browser(t)
	defer cancel()
	load(t, ctx, page, "#not-collected")
	text := eval[string](t, ctx, `document.body.textContent`)
	codes := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('.finding .code')).map(e => e.textContent)`)
	hrefs := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('a.item')).map(a => a.href)`)
	notCollected := eval[string](t, ctx, `(function(){var h=document.getElementById('not-collected');var t='';for(var e=h.nextElementSibling;e;e=e.nextElementSibling){t+=e.textContent+'\n'};return t})()`)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	shot := filepath.Join(artifactDir(t), "report-fixture-run.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot: %s", shot)

	linked := map[string]bool{}
	for _, h := range hrefs {
		u, err := url.Parse(h)
		require.NoError(t, err)
		require.Equal(t, "file", u.Scheme, h)
		assert.FileExists(t, u.Path, "link %s resolves", h)
		rel, err := filepath.Rel(filepath.Join(out, runID), u.Path)
		require.NoError(t, err)
		linked[filepath.ToSlash(rel)] = true
	}
	for _, fx := range fixtureNodes {
		assert.Contains(t, text, fx.node)
		nodeDir := filepath.Join(out, runID, fx.node)
		// Every finding code of the node's diagnostics.json.
		var diag struct {
			Codes []string `json:"codes"`
		}
		data, err := os.ReadFile(filepath.Join(nodeDir, "diagnostics.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &diag))
		for _, c := range diag.Codes {
			assert.Contains(t, codes, c, "%s's %s", fx.node, c)
		}
		// Every item that could not be collected, by its collector/key.
		if errs, err := os.ReadFile(filepath.Join(nodeDir, "periscope-errors.log")); err == nil {
			for _, e := range analyze.ParseErrorsLog(errs) {
				assert.Contains(t, notCollected, e.Collector+"/"+e.Key, fx.node)
			}
		}
		// Every item of the node is linked, and its zip.
		entries, err := os.ReadDir(nodeDir)
		require.NoError(t, err)
		for _, e := range entries {
			assert.True(t, linked[fx.node+"/"+e.Name()], "%s/%s is linked", fx.node, e.Name())
		}
	}
	assert.Contains(t, text, "Connectivity per target")
	assert.Contains(t, text, "Microsoft Container Registry")
	assert.NotContains(t, strings.ToLower(text), "<no value>")
}

// analyze --html of a run in Periscope's own layout makes the same page,
// links relative to where it is written.
func TestAnalyzeHTMLInBrowser(t *testing.T) {
	runDir := periscopeRun(t)
	page := filepath.Join(t.TempDir(), "periscope.html")
	res := run(t, t.TempDir(), nil, "analyze", "--html", page, runDir)
	assert.Equal(t, 3, res.code, res.stderr)
	assert.Contains(t, res.stdout, "report: "+page)

	ctx, cancel := browser(t)
	defer cancel()
	load(t, ctx, page, "#top")
	text := eval[string](t, ctx, `document.body.textContent`)
	codes := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('.finding .code')).map(e => e.textContent)`)
	hrefs := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('a.item')).map(a => a.href)`)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(artifactDir(t), "report-periscope-layout.png"), png, 0o644))
	assert.Contains(t, text, "aks-nodepool1-0")
	assert.Contains(t, text, "aks-nodepool1-1")
	assert.Contains(t, codes, "OUTBOUND_DNS_FAILURE")
	assert.Contains(t, text, "kubectl top nodes")
	require.NotEmpty(t, hrefs)
	for _, h := range hrefs {
		u, err := url.Parse(h)
		require.NoError(t, err)
		assert.FileExists(t, u.Path, h)
	}
}
