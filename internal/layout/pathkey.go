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
