package periscoperunextension

import (
	"errors"

	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

var _ runcontrol.ClusterScopeProvider = (*runState)(nil)

// startCluster starts coordinating cluster-scoped collection for the run.
// No Kubernetes config (lease auto on a workstation) or lease off is not an
// error: those receivers then collect on this node.
func (r *runState) startCluster() error {
	co, err := clusterlease.New(r.cfg.ClusterScope, r.cfg.RunID, r.logger)
	switch {
	case errors.Is(err, runcontrol.ErrNotCoordinated):
		r.logger.Info("Cluster-scoped receivers collect on this node", zap.Error(err))
		return nil
	case err != nil:
		return err
	}
	r.cluster = co
	r.logger.Info("Cluster-scoped receivers collect on one collector of the cluster per run",
		zap.String("lease", r.cfg.ClusterScope.Namespace+"/"+r.cfg.ClusterScope.Name),
		zap.String("identity", co.Identity()))
	return nil
}

func (r *runState) shutdownCluster() {
	if r.cluster != nil {
		r.cluster.Shutdown()
	}
}

// ClusterScope is the run's coordinator, or nil when there is none.
func (r *runState) ClusterScope() runcontrol.ClusterScope {
	if r.cluster == nil {
		return nil
	}
	return r.cluster
}
