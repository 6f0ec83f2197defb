package azureblob

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/test/azurite"
)

const (
	runID = "2026-11-28T12-00-00Z"
	node  = "aks-nodepool1-12345678-vmss000000"
)

var seq atomic.Int64

func newContainerName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, seq.Add(1))
}

// records is one node's run as receivers and the resource processor
// produce it: documents, streamed lines, a collection error, binary data.
func records() plog.Logs {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(layout.AttrRunID, runID)
	rl.Resource().Attributes().PutStr(layout.AttrNodeName, node)
	sl := rl.ScopeLogs().AppendEmpty()
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("nameserver 168.63.129.16\n"), now)
	layout.AppendDocument(sl, "dns", "kubernetes", []byte("nameserver 10.0.0.10\nsearch default.svc.cluster.local\n"), now)
	for i := 0; i < 500; i++ {
		lr := sl.LogRecords().AppendEmpty()
		lr.Attributes().PutStr(layout.AttrCollector, "nodelogs")
		lr.Attributes().PutStr(layout.AttrItemKey, "var_log_cloud-init.log")
		lr.Body().SetStr(fmt.Sprintf("line %04d of cloud-init", i))
	}
	layout.AppendError(sl, "kubeletcmd", "kubeletcmd", errors.New("no kubelet process"), now)
	layout.AppendDocument(sl, "bin", "blob", []byte{0, 0xff, 0x10}, now)
	return ld
}

type result struct {
	logs     *observer.ObservedLogs
	err      error
	failures error // what the one-shot command would exit 2 with
}

// runExporter runs the exporter from the factory with cfg: start, the
// records (when send), shutdown.
func runExporter(t *testing.T, cfg *periscopeexporter.Config, send bool) result {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	set := exportertest.NewNopSettings(component.MustNewType("periscope"))
	set.Logger = zap.New(core)
	before := runcontrol.Default.DeliveryFailures()
	exp, err := periscopeexporter.NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	if send {
		require.NoError(t, exp.ConsumeLogs(context.Background(), records()))
	}
	err = exp.Shutdown(context.Background())
	after := runcontrol.Default.DeliveryFailures()
	var failures error
	if after != nil && (before == nil || after.Error() != before.Error()) {
		failures = errors.New(strings.TrimPrefix(after.Error(), errString(before)))
	}
	return result{logs: logs, err: err, failures: failures}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error() + "\n"
}

func localConfig(dir string) *periscopeexporter.Config {
	cfg := periscopeexporter.NewFactory().CreateDefaultConfig().(*periscopeexporter.Config)
	cfg.Local.Directory = dir
	return cfg
}

// blobConfig is an azure_blob config against Azurite with an account SAS
// as Periscope's secret holds it (leading "?"), one try per request.
func blobConfig(t *testing.T, spool, container string) *periscopeexporter.Config {
	t.Helper()
	token, err := azurite.AccountSAS(time.Now().Add(time.Hour))
	require.NoError(t, err)
	cfg := localConfig(spool)
	a := cfg.AzureBlob.GetOrInsertDefault()
	a.ServiceURL = server.BlobURL
	a.AccountName = azurite.AccountName
	a.Container = container
	a.SASToken = configopaque.String("?" + token)
	a.Upload.MaxTries = 1
	return cfg
}

// tree reads every file under dir by slash path.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = data
		return err
	}))
	return files
}

// withoutTiming drops status.json's timing fields, the only ones that
// differ between two runs of the same records.
func withoutTiming(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	for _, k := range []string{"started", "finished", "published"} {
		require.Contains(t, m, k)
		delete(m, k)
	}
	return m
}

func zipEntries(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	entries := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		content, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		entries[f.Name] = string(content)
	}
	return entries
}

// The same records give the same tree in the container as in a local
// directory, under every way of signing in.
func TestBlobTreeIsTheLocalTree(t *testing.T) {
	localDir := t.TempDir()
	require.NoError(t, runExporter(t, localConfig(localDir), true).err)
	want := tree(t, localDir)
	require.Len(t, want, 8, "5 items, the zip, status.json and the run's report.html")

	modes := []struct {
		name   string
		config func(t *testing.T, spool, container string) *periscopeexporter.Config
	}{
		{"account SAS", blobConfig},
		{"connection string", func(t *testing.T, spool, container string) *periscopeexporter.Config {
			cfg := localConfig(spool)
			a := cfg.AzureBlob.GetOrInsertDefault()
			a.Auth, a.Container, a.Upload.MaxTries = "connection_string", container, 1
			a.ConnectionString = configopaque.String(server.ConnectionString())
			return cfg
		}},
		{"container SAS", func(t *testing.T, spool, container string) *periscopeexporter.Config {
			require.NoError(t, server.CreateContainer(context.Background(), container))
			token, err := azurite.ContainerSAS(container, time.Now().Add(time.Hour))
			require.NoError(t, err)
			cfg := blobConfig(t, spool, container)
			a := cfg.AzureBlob.Get()
			a.Auth, a.SASToken = "container_sas", configopaque.String(token)
			return cfg
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			spool, container := t.TempDir(), newContainerName("tree")
			res := runExporter(t, m.config(t, spool, container), true)
			require.NoError(t, res.err)
			require.NoError(t, res.failures)

			blobs, err := server.Blobs(context.Background(), container)
			require.NoError(t, err)
			got := map[string][]byte{}
			for name, b := range blobs {
				got[name] = b.Content
			}
			require.ElementsMatch(t, keys(want), keys(got))
			statusName := layout.StatusPath(runID, node)
			for name, content := range want {
				switch name {
				case statusName:
					assert.Equal(t, withoutTiming(t, content), withoutTiming(t, got[name]))
					continue
				case layout.ZipPath(runID, node):
					// Entries carry their file's modification time.
					assert.Equal(t, zipEntries(t, content), zipEntries(t, got[name]))
					continue
				case runID + "/report.html":
					// The page names where it was made and when.
					assert.Contains(t, string(got[name]), node, "the run's page lists the node")
					continue
				}
				assert.Equal(t, content, got[name], name)
			}
			assert.Equal(t, map[string]string{
				"dns/virtualmachine":              "nameserver 168.63.129.16\n",
				"dns/kubernetes":                  "nameserver 10.0.0.10\nsearch default.svc.cluster.local\n",
				"nodelogs/var_log_cloud-init.log": string(want[runID+"/"+node+"/var_log_cloud-init.log"]),
				"periscope/periscope-errors.log":  "kubeletcmd/kubeletcmd: no kubelet process\n",
				"bin/blob":                        "\x00\xff\x10",
			}, zipEntries(t, got[layout.ZipPath(runID, node)]))

			// The zip is last among the data, the record after it (the
			// service's clock has a one-second grain; the publisher's own
			// test checks the exact order).
			zipTime := blobs[layout.ZipPath(runID, node)].LastModified
			for name, b := range blobs {
				if name != layout.ZipPath(runID, node) && name != statusName {
					assert.False(t, b.LastModified.After(zipTime), "%s after the zip", name)
				}
			}
			assert.False(t, blobs[statusName].LastModified.Before(zipTime))

			// The spool keeps the run, delivered, nothing pending.
			spoolTree := tree(t, spool)
			assert.ElementsMatch(t, keys(want), keys(spoolTree))
			assert.Equal(t, true, withoutTiming(t, spoolTree[statusName])["delivered"])
			assert.Equal(t, []string{fmt.Sprintf("%s/%s/%s/%s (5 items, zip %s/%s/%s/%s.zip)",
				server.BlobURL, container, runID, node, server.BlobURL, container, layout.NodeDir(runID, node), node)},
				lastOutput(), "the one-shot summary names the container, not the spool")
		})
	}
}

func lastOutput() []string {
	out := runcontrol.Default.Outputs()
	if len(out) == 0 {
		return nil
	}
	return out[len(out)-1:]
}

func keys(m map[string][]byte) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// Every way a delivery fails is named in the log, in status.json and in
// what the one-shot command reports (exit 2); the signature is nowhere.
func TestFailedDeliveryIsReportedWithoutTheSignature(t *testing.T) {
	closedURL, err := azurite.ClosedPortURL(t)
	require.NoError(t, err)
	tests := []struct {
		name   string
		modify func(t *testing.T, a *periscopeexporter.AzureBlobConfig)
		cause  string
	}{
		{"expired SAS", func(t *testing.T, a *periscopeexporter.AzureBlobConfig) {
			token, err := azurite.AccountSAS(time.Now().Add(-time.Minute))
			require.NoError(t, err)
			a.SASToken = configopaque.String("?" + token)
		}, "authentication failed: the SAS token expired at"},
		{"container SAS for a container that does not exist", func(t *testing.T, a *periscopeexporter.AzureBlobConfig) {
			token, err := azurite.ContainerSAS(a.Container, time.Now().Add(time.Hour))
			require.NoError(t, err)
			a.Auth, a.SASToken = "container_sas", configopaque.String(token)
		}, "does not exist, and auth container_sas cannot create it"},
		{"unreachable endpoint", func(t *testing.T, a *periscopeexporter.AzureBlobConfig) {
			a.ServiceURL = closedURL
		}, "unreachable: Put"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spool := t.TempDir()
			cfg := blobConfig(t, spool, newContainerName("fail"))
			tt.modify(t, cfg.AzureBlob.Get())
			q, err := url.ParseQuery(strings.TrimPrefix(string(cfg.AzureBlob.Get().SASToken), "?"))
			require.NoError(t, err)
			sig := q.Get("sig")
			require.NotEmpty(t, sig)

			res := runExporter(t, cfg, true)
			require.Error(t, res.err)
			assert.Contains(t, res.err.Error(), tt.cause)
			require.Error(t, res.failures, "the one-shot command exits 2")
			assert.Contains(t, res.failures.Error(), "run "+runID+" node "+node+" not delivered to ")
			assert.Contains(t, res.failures.Error(), tt.cause)

			var logged []string
			for _, e := range res.logs.All() {
				logged = append(logged, e.Message+" "+fmt.Sprint(e.ContextMap()))
			}
			all := strings.Join(logged, "\n")
			assert.Contains(t, all, "Periscope run not delivered")
			assert.Contains(t, all, tt.cause)
			for _, form := range []string{sig, url.QueryEscape(sig)} {
				assert.NotContains(t, all, form, "a log line shows the SAS signature")
				assert.NotContains(t, res.err.Error(), form)
				assert.NotContains(t, res.failures.Error(), form)
			}

			nodeDir := filepath.Join(spool, runID, node)
			record, err := os.ReadFile(filepath.Join(nodeDir, layout.StatusKey))
			require.NoError(t, err)
			assert.Contains(t, string(record), `"delivered": false`)
			assert.Contains(t, string(record), tt.cause)
			assert.NotContains(t, string(record), sig)
			assert.FileExists(t, filepath.Join(nodeDir, ".periscope-publish-pending"))
		})
	}
}

// A node run whose upload did not complete is published by the next
// start from the spool, without any record sent again.
func TestPendingNodeRunIsPublishedAtTheNextStart(t *testing.T) {
	closedURL, err := azurite.ClosedPortURL(t)
	require.NoError(t, err)
	spool, container := t.TempDir(), newContainerName("restart")

	first := blobConfig(t, spool, container)
	first.AzureBlob.Get().ServiceURL = closedURL
	require.Error(t, runExporter(t, first, true).err)
	require.FileExists(t, filepath.Join(spool, runID, node, ".periscope-publish-pending"))

	res := runExporter(t, blobConfig(t, spool, container), false)
	require.NoError(t, res.err)
	require.NoError(t, res.failures)
	assert.Equal(t, 1, res.logs.FilterMessage("Publishing a node run left pending by an earlier run").Len())

	blobs, err := server.Blobs(context.Background(), container)
	require.NoError(t, err)
	assert.Len(t, blobs, 7)
	assert.Contains(t, blobs, layout.ZipPath(runID, node))
	var st map[string]any
	require.NoError(t, json.Unmarshal(blobs[layout.StatusPath(runID, node)].Content, &st))
	assert.Equal(t, true, st["delivered"])
	assert.Equal(t, []any{map[string]any{"stage": "collection", "message": "kubeletcmd/kubeletcmd: no kubelet process"}}, st["errors"],
		"the earlier attempt's failure is not in the delivered record")
	assert.NoFileExists(t, filepath.Join(spool, runID, node, ".periscope-publish-pending"))
}
