package azurite

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill Azurite when the test binary dies
// without stopping it (a -timeout panic, SIGKILL), so no server outlives
// its tests.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
