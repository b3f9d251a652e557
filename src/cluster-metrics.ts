import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from './http/metrics-listener.ts';

/**
 * Metrics with `WORKERS` > 1: the primary serves `/metrics` on METRICS_PORT and asks every worker
 * for its registry over the cluster's IPC channel (prom-client's AggregatorRegistry), so one scrape
 * sees the whole instance: counters summed over workers, as if one process had counted them.
 */
export function aggregateWorkerMetrics(): MetricsSource {
  const aggregator = new AggregatorRegistry();
  return { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };
}

/** In a worker: answer the primary's requests with this registry. Returns '' (no URL of its own). */
export function answerMetricsToPrimary(registry: Registry): string {
  new AggregatorRegistry(); // installs the worker's IPC listener
  AggregatorRegistry.setRegistries([registry]);
  return '';
}
