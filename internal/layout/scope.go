package layout

import "path"

// Cluster-scoped collection: items about the whole cluster (Kubernetes
// objects, helm releases, `kubectl top`) are collected by one collector of
// the cluster per run, not by every node, and are stored once per run:
//
//	<run-id>/cluster/<item-key>              one file per cluster item
//
// and, for consumers that only read node zips, also inside the zip of the
// node that collected them (entries <collector>/<item-key>, as before).
const (
	// AttrScope marks records of a cluster-scoped collection (resource or
	// record attribute); absent means node-scoped.
	AttrScope = "periscope.scope"
	// ScopeCluster is AttrScope's value for cluster-scoped records.
	ScopeCluster = "cluster"
	// ClusterFolder is the folder of a run holding cluster-scoped items. A
	// node actually named "cluster" would share it.
	ClusterFolder = "cluster"
)

// ClusterDir is the cluster folder of a run: <run-id>/cluster.
func ClusterDir(runID string) string { return path.Join(runID, ClusterFolder) }

// ClusterPath is where a cluster-scoped item is stored:
// <run-id>/cluster/<item-key>.
func (it Item) ClusterPath() string { return path.Join(it.RunID, ClusterFolder, it.Key) }
