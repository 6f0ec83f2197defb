//go:build !unix

package nodefile

import "os"

// fileID is empty where os.FileInfo carries no file identity (Windows):
// the copy is then bounded by size only.
func fileID(os.FileInfo) string { return "" }
