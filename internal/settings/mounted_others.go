//go:build !windows

package settings

// mountedDir is where the pod mounts a volume at /<name>.
func mountedDir(name string) string { return "/" + name }
