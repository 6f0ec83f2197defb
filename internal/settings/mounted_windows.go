package settings

import (
	"os"
	"path/filepath"
)

// mountedDir is where a Windows HostProcess container finds the volume the
// pod mounts at /<name>: containerd 1.6 links volumes under the container's
// sandbox (%CONTAINER_SANDBOX_MOUNT_POINT%\<name>), containerd 1.7 and later
// bind them at the path itself (C:\<name>). Outside such a container it is
// \<name> on the current drive.
func mountedDir(name string) string {
	if sandbox := os.Getenv("CONTAINER_SANDBOX_MOUNT_POINT"); sandbox != "" {
		dir := filepath.Join(sandbox, name)
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
	}
	return `\` + name
}
