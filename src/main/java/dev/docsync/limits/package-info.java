/**
 * Limits on connections from outside the JVM, shared by the WebSocket endpoint ({@code /sync}) and the
 * event-bus bridges (SockJS, TCP): message rate per connection ({@link dev.docsync.limits.MessageRate},
 * a {@link dev.docsync.limits.TokenBucket}), documents per connection, connections per remote address
 * ({@link dev.docsync.limits.ConnectionLimits}), WebSockets not yet joined ({@link dev.docsync.limits.BoundedCount}),
 * the join timeout and messages before join. Settings: {@link dev.docsync.limits.LimitSettings}
 * ({@code DOCSYNC_LIMIT_*}); every refusal is counted in {@code docsync.limits.exceeded}
 * ({@link dev.docsync.limits.LimitMeters}) and carries the error code of its {@link dev.docsync.limits.Limit}.
 */
package dev.docsync.limits;
