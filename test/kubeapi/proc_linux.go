package kubeapi

import (
	"os/exec"
	"syscall"
)

// detach puts the child in its own process group (a Ctrl-C to the test does
// not reach it before Stop runs) and has the kernel kill it when the test
// binary dies without running Stop (a -timeout panic, SIGKILL).
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// terminate asks the process to stop cleanly.
func terminate(cmd *exec.Cmd) error { return cmd.Process.Signal(syscall.SIGTERM) }
