package periscopeprovider

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
)

// watchRunID polls the ConfigMap file until it holds a valid run ID other
// than current, then asks the collector to reload. The resolver closes every
// Retrieved when the config is resolved again; the last close stops the poll.
func (p *provider) watchRunID(current string, watcher confmap.WatcherFunc) confmap.RetrievedOption {
	p.watchMu.Lock()
	defer p.watchMu.Unlock()
	if p.watchRefs == 0 {
		ctx, cancel := context.WithCancel(context.Background())
		p.stopWatch = cancel
		go p.poll(ctx, current, watcher)
	}
	p.watchRefs++
	var closeOnce sync.Once
	return confmap.WithRetrievedClose(func(context.Context) error {
		closeOnce.Do(func() {
			p.watchMu.Lock()
			defer p.watchMu.Unlock()
			p.watchRefs--
			if p.watchRefs == 0 {
				p.stopWatch()
			}
		})
		return nil
	})
}

func (p *provider) poll(ctx context.Context, current string, watcher confmap.WatcherFunc) {
	if p.configMap != nil {
		p.watchConfigMap(ctx, current, watcher)
		return
	}
	ticker := time.NewTicker(p.pollInterval())
	defer ticker.Stop()
	rejected := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		id, source, found, err := p.configuredRunID()
		if err != nil {
			p.logger.Error("Cannot read the run ID; the current run goes on", zap.String("run_id", current), zap.Error(err))
			continue
		}
		if !found || id == current || id == rejected {
			continue
		}
		if err := validateRunID(id, source); err != nil {
			rejected = id
			p.logger.Error("Run ID not changed; the current run goes on", zap.String("run_id", current), zap.Error(err))
			continue
		}
		p.logger.Info("New run ID: collecting again", zap.String("run_id", id), zap.String("previous", current))
		watcher(&confmap.ChangeEvent{})
		return
	}
}

func (p *provider) pollInterval() time.Duration {
	v, ok := p.source.Env(EnvPoll)
	if !ok {
		return defaultPoll
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.logger.Warn("Ignoring invalid run ID poll interval", zap.String("variable", EnvPoll), zap.String("value", v))
		return defaultPoll
	}
	return d
}

// watchConfigMap is poll for a run ID read through the API: a client-go
// watch of the ConfigMap, the same checks on each new value.
func (p *provider) watchConfigMap(ctx context.Context, current string, watcher confmap.WatcherFunc) {
	rejected := ""
	err := p.configMap.watch(ctx, func(id string) bool {
		if id == "" || id == current || id == rejected {
			return false
		}
		if err := validateRunID(id, p.configMap.source()); err != nil {
			rejected = id
			p.logger.Error("Run ID not changed; the current run goes on", zap.String("run_id", current), zap.Error(err))
			return false
		}
		p.logger.Info("New run ID: collecting again", zap.String("run_id", id), zap.String("previous", current))
		watcher(&confmap.ChangeEvent{})
		return true
	})
	if err != nil && ctx.Err() == nil {
		p.logger.Error("Run ID no longer watched; the current run goes on", zap.Error(err))
	}
}
