//go:build !windows

package iptablesreceiver

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/noderoot"
)

func TestRunCommandOutputOverTheLimitIsAnError(t *testing.T) {
	_, err := runCommand(context.Background(), "/", []string{"head", "-c", "5000", "/dev/zero"}, 10*time.Second, 1000)
	assert.EqualError(t, err, "`head -c 5000 /dev/zero` printed more than 1000 bytes")
}

func TestFindProgramLooksInTheNodePath(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr/sbin/iptables-save"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr/sbin/not-executable"), nil, 0o644))
	// Debian's layout: /sbin links to /usr/sbin, found inside the root.
	require.NoError(t, os.Symlink("/usr/sbin", filepath.Join(root, "sbin")))

	got, err := findProgram(noderoot.Root(root), "iptables-save")
	require.NoError(t, err)
	assert.Equal(t, "/usr/sbin/iptables-save", got, "the node's path, what runs inside the chroot")

	_, err = findProgram(noderoot.Root(root), "not-executable")
	assert.ErrorContains(t, err, "not-executable is not installed on the node: not found in /usr/local/sbin:")
	_, err = findProgram(noderoot.Root(root), "ip6tables-save")
	assert.ErrorContains(t, err, "under root_path "+root)
}

// The node's program runs chrooted into root_path: a real chroot(2) with a
// fixture program in a fixture root. As root it must work; otherwise the
// record must say which capability is missing.
func TestRunCommandChrootsIntoTheRoot(t *testing.T) {
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go tool builds the fixture program")
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/node-marker"), []byte("fixture-node"), 0o644))
	build := exec.Command(goTool, "build", "-o", filepath.Join(root, "usr/sbin/iptables-save"), "./testdata/fixture-iptables-save-program")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build the fixture program: %s", out)

	got, err := runCommand(context.Background(), root, []string{"iptables-save"}, 30*time.Second, maxOutputBytes)
	if os.Geteuid() != 0 {
		assert.ErrorContains(t, err, "chrooted into "+root)
		assert.ErrorContains(t, err, "needs CAP_SYS_CHROOT")
		return
	}
	require.NoError(t, err)
	assert.Equal(t, "# argv0=iptables-save wd=/ marker=fixture-node\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n", string(got))
}
