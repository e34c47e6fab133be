// The packages the bundle leaves outside (scripts/build.mjs) and so needs from node_modules at run time.
// @parcel/watcher's JS is bundled; its native addon (the platform's @parcel/watcher-* package) is not.
// pino-pretty (NATS_LOG_FORMAT=pretty), prom-client (first /metrics scrape) and the NATS
// client (first purge or claims push), its KV (the first rolling restart's lease) and its services (once nats-server
// answers, where NATS_SERVICE has it answer) load only when needed (src/lazy-require.ts), and so does commander (any command
// but the entrypoint's `run`).
export const EXTERNALS = ['@parcel/watcher-*', 'pino-pretty', 'prom-client', '@nats-io/transport-node', '@nats-io/kv', '@nats-io/services', 'commander'];
