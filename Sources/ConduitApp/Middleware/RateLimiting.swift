import HTTPKernel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Token buckets per key (a client IP): `limit` requests per minute, refilled continuously.
///
/// Memory is bounded: at most `maxBuckets` keys are tracked; when full, buckets that have
/// refilled completely (idle clients) are dropped first, and if none is, the oldest half goes.
/// A flood of distinct addresses therefore costs a bounded table, not unbounded growth.
final class RateLimiter: Sendable {
    struct Decision: Equatable {
        let allowed: Bool
        let limit: Int
        let remaining: Int
        /// Seconds until the bucket is full again.
        let resetSeconds: Int
        /// Seconds until one request is allowed (when refused).
        let retryAfterSeconds: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let limit: Int
    let maxBuckets: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(perMinute limit: Int, maxBuckets: Int = 100_000) {
        self.limit = limit
        self.maxBuckets = maxBuckets
    }

    private var refillPerSecond: Double { Double(limit) / 60 }

    func take(_ key: String, now: Double = RateLimiter.now()) -> Decision {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(limit), updated: now)
            bucket.tokens = min(Double(limit), bucket.tokens + (now - bucket.updated) * refillPerSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            if buckets[key] == nil, buckets.count >= maxBuckets { evict(&buckets, now: now) }
            buckets[key] = bucket
            let missing = Double(limit) - bucket.tokens
            return Decision(
                allowed: allowed, limit: limit, remaining: Int(bucket.tokens),
                resetSeconds: Int((missing / refillPerSecond).rounded(.up)),
                retryAfterSeconds: allowed ? 0 : max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up))))
        }
    }

    var trackedKeys: Int { buckets.withLock { $0.count } }

    private func evict(_ buckets: inout [String: Bucket], now: Double) {
        let full = Double(limit)
        buckets = buckets.filter { min(full, $0.value.tokens + (now - $0.value.updated) * refillPerSecond) < full }
        if buckets.count >= maxBuckets {
            let keep = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(maxBuckets / 2)
            buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// Takes a token from `limiter` per request, per client IP. Past the limit it answers 429 with
/// `Retry-After` in the errors envelope; every limited response carries `RateLimit-Limit`,
/// `RateLimit-Remaining` and `RateLimit-Reset`.
///
/// It decides by the route the router matched (``HTTPRequest/route``), never by the path's
/// spelling: the auth limit is attached to the registration and login routes themselves
/// (a route group, UsersController), so `/api/users/login/` or `/api/users/login?x` draw from
/// the same bucket as `/api/users/login`. The general limit runs for every request, routed or
/// not (a flood of 404s is limited too), except the `exempt` routes: health probes and
/// metrics scrapes, which come from the infrastructure, and the routes that have a limit of
/// their own, so that a login never draws from two buckets.
struct RateLimitMiddleware: SynchronousMiddleware {
    enum Kind: String { case auth, general }

    let limiter: RateLimiter
    let kind: Kind
    /// Route templates this middleware lets through unlimited.
    var exempt: Set<String> = []
    /// Only behind a trusted proxy is `X-Forwarded-For` believed, and only its right-most hop
    /// (the address the proxy itself saw); anything to its left is client-supplied.
    let trustProxy: Bool
    /// Counts refusals (`conduit_http_requests_rate_limited_total{limit}`), when set.
    var metrics: AppMetrics? = nil

    /// Over the limit: 429, and the handler never runs. Under it, the decision waits in the
    /// request's context for ``finish(_:for:)``, which puts it on the handler's response.
    func intercept(_ request: inout HTTPRequest) -> HTTPResponse? {
        if let route = request.route, exempt.contains(route) { return nil }
        let decision = limiter.take(clientAddress(request))
        guard decision.allowed else {
            (kind == .auth ? metrics?.rateLimitedAuth : metrics?.rateLimitedGeneral)?.increment()
            var response = HTTPError(status: 429, key: "rate_limit", "too many requests, retry later").response(ErrorEnvelope.format)
            response.headers.set("Retry-After", String(decision.retryAfterSeconds))
            Self.describe(decision, on: &response)
            return response
        }
        request.context[Admitted.self] = decision
        return nil
    }

    func finish(_ response: inout HTTPResponse, for request: HTTPRequest) {
        if let decision = request.context[Admitted.self] { Self.describe(decision, on: &response) }
    }

    /// The `RateLimit-*` fields (draft-ietf-httpapi-ratelimit-headers) for `decision`.
    static func describe(_ decision: RateLimiter.Decision, on response: inout HTTPResponse) {
        response.headers.set("RateLimit-Limit", String(decision.limit))
        response.headers.set("RateLimit-Remaining", String(decision.remaining))
        response.headers.set("RateLimit-Reset", String(decision.resetSeconds))
    }

    /// The decision that let a request through. One key for both kinds: a request that an auth
    /// route's limit admitted is exempt from the general one, so it never holds two.
    enum Admitted: RequestContextKey { typealias Value = RateLimiter.Decision }

    func clientAddress(_ request: HTTPRequest) -> String {
        guard trustProxy, let forwarded = request.headers.values(for: "X-Forwarded-For").last,
            let hop = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !hop.isEmpty, hop.count <= 64
        else { return request.peerAddress }
        return hop
    }
}

import Foundation
