package logfixture

import "syscall"

// OnTmpfs reports whether dir is on tmpfs or ramfs: a run's output written
// there is memory, charged to a memory cgroup and counted against a test
// that measures memory, so those tests want a disk-backed directory.
func OnTmpfs(dir string) bool {
	const tmpfsMagic, ramfsMagic = 0x01021994, 0x858458f6
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return false
	}
	return fs.Type == tmpfsMagic || fs.Type == ramfsMagic
}
