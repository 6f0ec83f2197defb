package layout

import "strings"

// Attributes of file-based records (contrib filelog) that place a line.
const (
	// AttrFilePath is filelog's path of the file a line came from.
	AttrFilePath = "log.file.path"
	// AttrFileRecordOffset is filelog's byte offset of the line in its file.
	AttrFileRecordOffset = "log.file.record_offset"
	// AttrRootPath is where the node is mounted, set on filelog records so
	// their key is the node's path, not the collector's (/hostroot/…).
	AttrRootPath = "periscope.root_path"
)

// ItemKeyFromPath is Periscope's key for a node file: the node path with
// every separator turned into "_" and the leading "_" dropped
// (/var/log/cloud-init.log → var_log_cloud-init.log). A Windows drive
// colon is dropped too (C:\AzureData\x.log → C_AzureData_x.log), since no
// blob or zip name tool handles it well. root, when not "" or "/", is cut
// from the front first.
func ItemKeyFromPath(filePath, root string) string {
	p := filePath
	if r := strings.TrimRight(root, "/"); r != "" && strings.HasPrefix(p, r+"/") {
		p = p[len(r):]
	}
	p = strings.ReplaceAll(p, ":", "")
	p = strings.NewReplacer("/", "_", `\`, "_").Replace(p)
	return strings.TrimLeft(p, "_")
}

// SafeKey keeps an item key usable as a file name whatever the collected
// data held (a label of a hand-made Secret, a malformed list entry): an
// acceptable key is kept, separators and control characters become '_',
// and a key left empty, "." or ".." becomes fallback.
func SafeKey(k, fallback string) string {
	if err := (Item{RunID: "r", Node: "n", Collector: "c", Key: k}).Validate(); err == nil {
		return k
	}
	k = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, k)
	if k == "" || k == "." || k == ".." {
		return fallback
	}
	return k
}
