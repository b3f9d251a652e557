import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, on a registry of its own (no global registry). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    decisions: new Counter({
      name: 'appkeys_limiter_decisions_total',
      help: 'Rate-limit decisions per owner and pool (reserved, shared, refused)',
      labelNames: ['owner_type', 'owner_id', 'pool'] as const,
      registers: [registry],
    }),
    decisionSeconds: new Histogram({
      name: 'appkeys_limiter_decision_seconds',
      help: 'Latency of one rate-limit decision',
      labelNames: ['backend'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1],
      registers: [registry],
    }),
    clientLookups: new Counter({
      name: 'appkeys_client_cache_lookups_total',
      help: 'Lookups of OAuth clients (keys, resource servers): served from the cache (hit) or read (load)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    tokenLookups: new Counter({
      name: 'appkeys_token_cache_lookups_total',
      help: "Lookups of keys' opaque access tokens: served from the cache (hit) or read (load)",
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: 'appkeys_tokens_issued_total',
      help: 'Access tokens issued per grant',
      labelNames: ['grant'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
