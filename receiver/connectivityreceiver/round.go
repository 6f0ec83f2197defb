package connectivityreceiver

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// round probes every target, at most maxConcurrency at a time, and returns
// the results in target order. Each probe is bounded by its own timeout,
// and the whole round by the largest one: a target still waiting for a
// free slot when the round's deadline passes is reported as not_probed
// instead of stretching the round.
func (p *prober) round(ctx context.Context, targets []*target, maxConcurrency int) []result {
	results := make([]result, len(targets))
	var longest time.Duration
	for _, t := range targets {
		longest = max(longest, t.Timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, longest)
	defer cancel()

	slots := make(chan struct{}, max(maxConcurrency, 1))
	var wg sync.WaitGroup
	for i, t := range targets {
		if t.notConfigured != "" {
			results[i] = result{target: t, class: classNotConfigured, err: t.notConfigured}
			continue
		}
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				results[i] = result{target: t, class: classNotProbed,
					err: fmt.Sprintf("the round's deadline (%s, the largest timeout) passed while waiting for one of max_concurrency=%d probe slots", longest, maxConcurrency)}
				return
			}
			results[i] = p.probe(ctx, t)
		})
	}
	wg.Wait()
	return results
}
