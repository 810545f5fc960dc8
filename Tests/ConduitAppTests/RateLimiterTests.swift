import HTTPKernel
import Logging
import Testing

@testable import ConduitApp

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("a bucket allows its limit, refuses the next with Retry-After, and refills with time")
    func bucket() {
        let limiter = RateLimiter(perMinute: 3)
        for remaining in [2, 1, 0] {
            let decision = limiter.take("1.2.3.4", now: 100)
            #expect(decision.allowed && decision.remaining == remaining)
        }
        let refused = limiter.take("1.2.3.4", now: 100)
        #expect(!refused.allowed && refused.retryAfterSeconds == 20)
        #expect(limiter.take("5.6.7.8", now: 100).allowed, "other clients have their own bucket")
        #expect(limiter.take("1.2.3.4", now: 121).allowed, "one token back after 20 s")
    }

    @Test("answers it lets through carry their own decision, in a chain with other steps; the refused one is 429")
    func admittedAnswersCarryTheirDecision() async throws {
        let limit = RateLimitMiddleware(limiter: RateLimiter(perMinute: 2), kind: .general, trustProxy: false)
        let chain = MiddlewareChain(
            [CredentialedResponsesMiddleware(), limit, ErrorMiddleware(format: ErrorEnvelope.format)],
            responder: ClosureResponder { _ in .text("ok") })
        let request = HTTPRequest(method: .get, path: "/api/tags", peerAddress: "10.0.0.7", requestID: "r", logger: Logger(label: "t"))
        var remaining: [String?] = []
        var statuses: [Int] = []
        for _ in 0..<3 {
            let response = try await chain.respond(to: request)
            statuses.append(response.status)
            remaining.append(response.headers["RateLimit-Remaining"])
            #expect(response.headers["RateLimit-Limit"] == "2")
        }
        #expect(statuses == [200, 200, 429])
        #expect(remaining == ["1", "0", "0"])
    }

    @Test("a flood of distinct addresses keeps the table bounded")
    func boundedMemory() {
        let limiter = RateLimiter(perMinute: 10, maxBuckets: 1000)
        for index in 0..<50_000 { _ = limiter.take("10.0.\(index / 256).\(index % 256)", now: Double(index) / 1000) }
        #expect(limiter.trackedKeys <= 1000)
    }

    @Test("X-Forwarded-For counts only behind a trusted proxy, and only its right-most hop")
    func clientAddress() {
        var headers = HTTPHeaders()
        headers.add("X-Forwarded-For", "6.6.6.6, 203.0.113.9")
        let request = HTTPRequest(method: .get, path: "/", headers: headers, peerAddress: "10.0.0.1", requestID: "r", logger: Logger(label: "t"))
        #expect(RateLimitMiddleware(limiter: RateLimiter(perMinute: 1), kind: .general, trustProxy: false).clientAddress(request) == "10.0.0.1")
        #expect(RateLimitMiddleware(limiter: RateLimiter(perMinute: 1), kind: .general, trustProxy: true).clientAddress(request) == "203.0.113.9")
    }
}
