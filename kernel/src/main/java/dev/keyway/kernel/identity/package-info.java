/**
 * Who may use the admin plane: users and their passwords, sessions and login throttling.
 *
 * <pre>
 *   POST /admin/login ─▶ Login ─┬─ LoginThrottle   (per username and per client IP, in memory on each node)
 *                               ├─ UserDirectory   (keyway-users: username → user)
 *                               ├─ PasswordHasher  (PBKDF2-HMAC-SHA256, 600k iterations, salted)
 *                               └─ Sessions        (keyway-sessions: SHA-256(token) → session, 8 h)
 *   Authorization: Bearer kws-… ─▶ AdminAuth (admin package) reads the same session cache
 * </pre>
 *
 * <p>Clear passwords and session tokens only ever exist in the request that carries them and in the login
 * response; the store holds slow salted hashes of passwords and SHA-256 hashes of tokens. Nothing here logs.
 */
package dev.keyway.kernel.identity;
