//go:build !linux

package kubeapi

import "os/exec"

// detach has no portable equivalent of Pdeathsig; Stop still ends the
// processes. (The control plane binaries are only built for Linux here.)
func detach(*exec.Cmd) {}

// terminate kills the process: there is no SIGTERM to send.
func terminate(cmd *exec.Cmd) error { return cmd.Process.Kill() }
