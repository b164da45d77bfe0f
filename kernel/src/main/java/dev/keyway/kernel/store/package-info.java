/**
 * The store: an embedded Apache Ignite server node holding the gateway's configuration entities and call records.
 *
 * <pre>
 *   admin plane ──put/remove──▶ EntityCache ──JSON──▶ keyway-services, -keys, -users, -teams, -apps,
 *                                   │                  -subscriptions (REPLICATED, on every node)
 *                                   ▼  continuous query: changes from any node
 *   ring stages ◀──Directories── local snapshots (ConcurrentHashMap; no network on the hot path)
 *                                   └─ KeyIndex (hash → key), SubscriptionIndex ((app, service) → subscription)
 *   call recorder ──writeBatch──▶ CallRecordSink ──▶ keyway-calls (PARTITIONED, expires after the TTL)
 *   bootstrap, settings ───────▶ MetaStore ────────▶ keyway-meta
 * </pre>
 *
 * <p>{@link dev.keyway.kernel.store.IgniteStore} starts the node from {@code ignite-config/keyway-ignite.xml} or
 * the same configuration built in code, and enforces what must hold whatever that file says (no properties in
 * node attributes, JUL logging, unique instance names). Values are JSON strings, never Java records: Ignite
 * 2.17's binary marshaller cannot store records on JDK 25. Key secrets are stored only as HMAC-SHA256 hashes
 * under a pepper kept in a file outside the store ({@link dev.keyway.kernel.store.KeyHasher}).
 */
package dev.keyway.kernel.store;
