package realnode

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// daemon is a program the node runs (containerd, the kubelet), its output
// in a log file of the work directory.
type daemon struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startDaemon(dir, name, bin string, args ...string) (*daemon, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create %s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group (a Ctrl-C of the test reaches it through Stop,
	// not before), killed by the kernel if the test binary dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	d := &daemon{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		logFile.Close()
		close(d.done)
	}()
	return d, nil
}

func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the daemon's PID, SIGKILL after grace.
func (d *daemon) stop(grace time.Duration) {
	if d == nil || d.exited() {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(grace):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// logTail is the last n lines of the daemon's output.
func (d *daemon) logTail(n int) string { return fileTail(d.log, n) }

func fileTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitUntil polls ok every interval until it holds, d exits or limit
// passes; the error names what did not happen. ok returning one of final
// ends the wait at once.
func waitUntil(what string, limit, interval time.Duration, d *daemon, ok func() (bool, error), final ...error) error {
	deadline := time.Now().Add(limit)
	var last error
	for {
		done, err := ok()
		if done {
			return nil
		}
		for _, f := range final {
			if errors.Is(err, f) {
				return fmt.Errorf("%s did not happen: %w", what, err)
			}
		}
		if err != nil {
			last = err
		}
		if d != nil && d.exited() {
			return fmt.Errorf("%s exited (%v) while waiting for %s; its log ends:\n%s", d.name, d.err, what, d.logTail(40))
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("%s did not happen within %s", what, limit)
			if last != nil {
				msg += fmt.Sprintf(" (last error: %v)", last)
			}
			return errors.New(msg)
		}
		time.Sleep(interval)
	}
}
