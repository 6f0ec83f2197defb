//go:build unix

package nodefile

import (
	"os"
	"strconv"
	"syscall"
)

// fileID is the file's device and inode: a rotation or a rename over the
// path gives another.
func fileID(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return strconv.FormatUint(uint64(st.Dev), 10) + ":" + strconv.FormatUint(st.Ino, 10)
}
