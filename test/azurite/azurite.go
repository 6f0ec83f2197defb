// Package azurite runs Azurite, Microsoft's Azure Storage emulator, as a real
// Blob service on 127.0.0.1 for tests. The pinned npm package is installed on
// first use into a versioned cache folder, so a test machine needs Node.js and
// npm but no global install; a missing npm or a failed install is an error
// naming the cause, never a skipped test.
//
// One server serves a whole test binary: start it in TestMain and stop it
// there, after m.Run.
package azurite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/periscope-otel/periscope/test/loopback"
)

// Version is the pinned azurite npm package.
const Version = "3.37.0"

// The well-known development account every Azurite instance accepts
// (published in Azurite's README and Microsoft's storage emulator docs).
const (
	AccountName = "devstoreaccount1"
	AccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Server is a running azurite-blob process.
type Server struct {
	// BlobURL is the service URL, http://127.0.0.1:<port>/devstoreaccount1.
	BlobURL string
	// Port is the blob service's port on 127.0.0.1.
	Port int

	cmd      *exec.Cmd
	location string
	output   *lockedBuffer
	exited   chan struct{}
}

// ConnectionString is the account's connection string for this server.
func (s *Server) ConnectionString() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + AccountName + ";AccountKey=" + AccountKey +
		";BlobEndpoint=" + s.BlobURL + ";"
}

// Output is what Azurite printed so far, for failure messages.
func (s *Server) Output() string { return s.output.String() }

// installMu serialises installs of the same cache folder within a process;
// npm itself is safe against a concurrent install in another process only by
// luck, so the install goes to a temporary folder renamed into place.
var installMu sync.Mutex

// CacheDir is where the pinned version is installed:
// $XDG_CACHE_HOME/otelcol-periscope/azurite-<version> (or ~/.cache/…).
func CacheDir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("azurite cache folder: %w", err)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "otelcol-periscope", "azurite-"+Version), nil
}

// Install makes sure the pinned azurite is in CacheDir and returns the path
// of its azurite-blob entry point.
func Install() (string, error) {
	installMu.Lock()
	defer installMu.Unlock()
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	entry := filepath.Join(dir, "node_modules", "azurite", "dist", "src", "blob", "main.js")
	if _, err := os.Stat(entry); err == nil {
		return entry, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("azurite %s is not installed in %s and npm is not on PATH (install Node.js and npm): %w", Version, dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("azurite cache folder: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".azurite-install-*")
	if err != nil {
		return "", fmt.Errorf("azurite cache folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--prefix", tmp, "--no-audit", "--no-fund", "azurite@"+Version)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("npm install azurite@%s into %s failed: %w\n%s", Version, tmp, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process installed it meanwhile: use that one.
		if _, statErr := os.Stat(entry); statErr == nil {
			return entry, nil
		}
		return "", fmt.Errorf("azurite install: %w", err)
	}
	if _, err := os.Stat(entry); err != nil {
		return "", fmt.Errorf("azurite %s installed in %s but has no blob entry point: %w", Version, dir, err)
	}
	return entry, nil
}

// Start installs Azurite if needed and runs its blob service on a free port
// of 127.0.0.1 with a temporary data folder, returning once it answers.
func Start() (*Server, error) {
	entry, err := Install()
	if err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("azurite needs node on PATH: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	location, err := os.MkdirTemp("", "azurite-data-*")
	if err != nil {
		return nil, fmt.Errorf("azurite data folder: %w", err)
	}
	s := &Server{
		Port:     port,
		BlobURL:  "http://127.0.0.1:" + strconv.Itoa(port) + "/" + AccountName,
		location: location,
		output:   &lockedBuffer{},
		exited:   make(chan struct{}),
	}
	// --disableTelemetry: without it Azurite reports to a host outside
	// 127.0.0.0/8. --skipApiVersionCheck: the Go SDK may speak a newer
	// service version than this Azurite knows.
	s.cmd = exec.Command(node, entry,
		"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port),
		"--location", location, "--disableTelemetry", "--skipApiVersionCheck", "--silent")
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(location)
		return nil, fmt.Errorf("start azurite-blob: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls until the blob service answers HTTP (any status: an
// unauthenticated request gets 4xx, which proves the server is up).
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("azurite-blob exited before answering: %s", s.Output())
		default:
		}
		resp, err := client.Get(s.BlobURL + "?comp=list")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("azurite-blob did not answer on %s within %s: %w; output: %s", s.BlobURL, limit, err, s.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the process by its PID and removes its data folder.
func (s *Server) Stop() error {
	var errs []error
	if s.cmd.Process != nil {
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			errs = append(errs, fmt.Errorf("stop azurite pid %d: %w", s.cmd.Process.Pid, err))
		}
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				errs = append(errs, fmt.Errorf("kill azurite pid %d: %w", s.cmd.Process.Pid, err))
			}
			<-s.exited
		}
	}
	errs = append(errs, os.RemoveAll(s.location))
	return errors.Join(errs...)
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ClosedPortURL is a blob service URL on 127.0.0.1 that refuses
// connections for the whole test (loopback.ClosedAddr).
func ClosedPortURL(tb testing.TB) (string, error) {
	return "http://" + loopback.ClosedAddr(tb) + "/" + AccountName, nil
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
