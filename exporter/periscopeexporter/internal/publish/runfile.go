package publish

import (
	"context"
	"path"
)

// UploadRunFile stores a file of the run folder itself (report.html) as
// <run-id>/<name>; nothing to do without a store (the local directory is
// the destination).
func (p *Publisher) UploadRunFile(ctx context.Context, runID, name, file string) error {
	if p.store == nil {
		return nil
	}
	return p.store.Upload(ctx, path.Join(runID, name), file)
}
