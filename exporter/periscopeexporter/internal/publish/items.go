package publish

import (
	"context"
	"path"
	"path/filepath"
)

// UploadItems delivers files outside a node run's cycle — the cluster
// items of a run, stored once under <run-id>/cluster — each key of dir
// under prefix/key, in the given order; the first failure stops it. There
// is no zip, status.json or pending marker: the collector that collected
// them records their delivery on the cluster lease, and a failure leaves
// the collection to another collector. Without a Store the local
// directory is the destination and nothing is uploaded.
func (p *Publisher) UploadItems(ctx context.Context, dir, prefix string, keys []string) error {
	if p.store == nil {
		return nil
	}
	for _, key := range keys {
		if err := p.store.Upload(ctx, path.Join(prefix, key), filepath.Join(dir, key)); err != nil {
			return err
		}
	}
	return nil
}
