//go:build !windows

package iptablesreceiver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/periscope-otel/periscope/internal/noderoot"
)

// nodePATH is where programs are looked up on the node, and the PATH they
// run with: the collector's own environment says nothing about the node.
const nodePATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// maxStderrBytes is how much of a failing command's stderr an error quotes.
const maxStderrBytes = 2048

// runCommand runs argv on the node: with a root path other than "/", the
// program is the node's own, chrooted into the root (chroot(2) here, so the
// collector's image needs no chroot binary), which also picks the node's
// iptables flavour (legacy or nf_tables) rather than the image's.
func runCommand(ctx context.Context, root string, argv []string, timeout time.Duration, limit int) ([]byte, error) {
	name := strings.Join(argv, " ")
	chroot := filepath.Clean(root) != "/"
	prog, err := findProgram(noderoot.Root(root), argv[0])
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, argv[1:]...)
	cmd.Args[0] = argv[0] // multi-call binaries (xtables-nft-multi) dispatch on it
	cmd.Env = []string{"PATH=" + nodePATH, "LC_ALL=C"}
	if chroot {
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
		cmd.Dir = "/"
	}
	stdout, stderr := &capped{limit: limit}, &capped{limit: maxStderrBytes}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A child that keeps the pipes open after being killed must not hold
	// the collection.
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("`%s` did not finish within %s", name, timeout)
	case errors.As(err, &exitErr):
		msg := strings.TrimSpace(string(stderr.buf))
		if msg == "" {
			msg = "no error output"
		}
		return nil, fmt.Errorf("`%s` exited with status %d: %s", name, exitErr.ExitCode(), msg)
	case chroot && errors.Is(err, syscall.EPERM):
		return nil, fmt.Errorf("run `%s` chrooted into %s: %w (the collector needs CAP_SYS_CHROOT: run it as root in a privileged pod)", name, root, err)
	case err != nil:
		return nil, fmt.Errorf("run `%s`: %w", name, err)
	case stdout.over:
		return nil, fmt.Errorf("`%s` printed more than %d bytes", name, limit)
	}
	return stdout.buf, nil
}

// findProgram resolves a program name in the node's PATH under root and
// returns its path as the node sees it (what to execute inside the chroot).
// A name with a slash is used as given.
func findProgram(root noderoot.Root, name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, dir := range strings.Split(nodePATH, ":") {
		nodePath := path.Join(dir, name)
		p, err := root.Resolve(nodePath)
		if err != nil {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return nodePath, nil
		}
	}
	return "", fmt.Errorf("%s is not installed on the node: not found in %s under root_path %s", name, nodePATH, string(root))
}

// capped keeps the first limit bytes written and remembers whether more
// came; it never fails a write, so the command is not killed by SIGPIPE.
type capped struct {
	buf   []byte
	limit int
	over  bool
}

func (c *capped) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.limit - len(c.buf); n > room {
		c.over = true
		p = p[:max(room, 0)]
	}
	c.buf = append(c.buf, p...)
	return n, nil
}
