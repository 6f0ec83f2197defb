package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/collectorbin"
)

// repoRoot is the repository root, two levels up from this package.
var repoRoot, _ = filepath.Abs("../..")

// collectorBinary returns the distribution binary (test/collectorbin).
func collectorBinary(t *testing.T) string { return collectorbin.Path(t) }

type result struct {
	code   int
	stderr string
}

// runCollector runs the binary in dir with a clean Periscope environment.
// The timeout only guards against a hang; it is no performance assertion.
func runCollector(t *testing.T, dir string, env map[string]string, args ...string) result {
	t.Helper()
	bin := collectorBinary(t) // may build first: outside the hang guard
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		// No ConfigMap directory on a test machine: the run ID comes from env.
		"PERISCOPE_CONFIG_DIR=" + filepath.Join(dir, "no-config"),
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "collector did not exit by itself; output:\n%s", stderr.String())
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code: code, stderr: stderr.String()}
}

// readTree maps every file under dir (relative, slash-separated) to its
// content; a zip's entries appear as "<zip path>!<entry>".
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.Name() == "status.json" || d.Name() == "report.html" {
			// The delivery record holds times; readStatus checks it. The
			// run's page is test/report's.
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(rel, ".zip") {
			tree[rel] = string(data)
			return nil
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			content, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			tree[rel+"!"+f.Name] = string(content)
		}
		return nil
	})
	require.NoError(t, err)
	return tree
}

// nodeStatus is the part of a node run's status.json that does not change
// between runs.
type nodeStatus struct {
	RunID     string `json:"run_id"`
	Node      string `json:"node"`
	Delivered bool   `json:"delivered"`
	Items     []struct {
		Name      string `json:"name"`
		Collector string `json:"collector"`
	} `json:"items"`
	Errors []struct {
		Stage string `json:"stage"`
	} `json:"errors"`
	Diagnoses *struct {
		Warn  int      `json:"warn"`
		Info  int      `json:"info"`
		Codes []string `json:"codes"`
	} `json:"diagnoses"`
}

func readStatus(t *testing.T, nodeDir string) nodeStatus {
	t.Helper()
	var st nodeStatus
	require.NoError(t, json.Unmarshal([]byte(readFile(t, filepath.Join(nodeDir, "status.json"))), &st))
	return st
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	require.NoError(t, err)
	return p
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(data)
}
