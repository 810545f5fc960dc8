import Foundation
import HTTPTestSupport
import Synchronization
import Testing

/// `GET /metrics` and `GET /api/openapi.json` on the real binary.
@Suite("Metrics and API description")
struct MetricsAPITests {
    /// The value of the sample `name{labels}` (labels as rendered, in order), nil when absent.
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// The sum over every sample whose series starts with `prefix` (all loops of a per-loop series).
    static func sum(_ text: String, _ prefix: String) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }

    @Test("request counters and latency histograms are labelled by route template, method and status class")
    func requestMetrics() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment.merging(["EVENT_LOOPS": "2"]) { $1 })
        defer { server.stop() }
        let api = UsersAPITests()
        let token = try #require(api.user(try api.call(server.port, "POST", "/api/users",
            body: #"{"user":{"username":"metric","email":"metric@x.yz","password":"password123"}}"#).json)["token"] as? String)
        let created = try api.call(server.port, "POST", "/api/articles",
            body: #"{"article":{"title":"Unique Slug Title","description":"d","body":"b"}}"#, token: token)
        #expect(created.status == 201)
        let slug = try #require((created.json["article"] as? [String: Any])?["slug"] as? String)
        let client = try RawHTTPClient(port: server.port)
        for _ in 0..<3 { #expect(try client.get("/api/articles/\(slug)").status == 200) }
        #expect(try client.get("/api/articles/no-such-article-slug").status == 404)
        #expect(try client.get("/no/such/route").status == 404)
        #expect(try client.get("/healthz").status == 200)

        let scrape = try client.get("/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = scrape.text
        #expect(Self.value(text, #"conduit_http_requests_total{method="GET",route="/api/articles/:slug",status="2xx"}"#) == 3)
        #expect(Self.value(text, #"conduit_http_requests_total{method="GET",route="/api/articles/:slug",status="4xx"}"#) == 1,
                "a 404 thrown by a handler keeps its route")
        #expect(Self.value(text, #"conduit_http_requests_total{method="POST",route="/api/users",status="2xx"}"#) == 1)
        #expect(Self.value(text, #"conduit_http_requests_total{method="POST",route="/api/articles",status="2xx"}"#) == 1)
        #expect(Self.value(text, #"conduit_http_requests_total{method="GET",route="unmatched",status="4xx"}"#) == 1)
        #expect(Self.sum(text, #"conduit_http_request_duration_seconds_count{method="GET",route="/api/articles/:slug",status="2xx",loop="#) == 3)
        #expect(Self.sum(text, #"conduit_http_request_duration_seconds_bucket{method="GET",route="/api/articles/:slug",status="2xx",loop="#) > 3)
        // Raw paths never become labels.
        #expect(!text.contains(slug))
        #expect(!text.contains("no-such-article-slug"))
        #expect(!text.contains("/no/such/route"))
        // Database: statements timed by kind; the pool gauges sum to the store's connections.
        #expect((Self.value(text, #"conduit_db_query_duration_seconds_count{kind="read"}"#) ?? 0) > 0)
        #expect((Self.value(text, #"conduit_db_query_duration_seconds_count{kind="write"}"#) ?? 0) > 0)
        let inUse = try #require(Self.value(text, #"conduit_db_pool_connections{state="in_use"}"#))
        let idle = try #require(Self.value(text, #"conduit_db_pool_connections{state="idle"}"#))
        // SQLite: a reader per event loop (2 here) and the writer; PostgreSQL: the pool
        // (DATABASE_POOL_SIZE, default 10).
        let postgres = server.databaseURL?.hasPrefix("postgres") == true
        #expect(inUse + idle == (postgres ? 10 : 3))
        #expect(Self.value(text, "conduit_http_requests_shed_total") == 0)

        // The per-loop samples arrive every 500 ms: wait for each loop's first.
        var later = ""
        _ = try waitUntil(everyMilliseconds: 100) {
            later = try client.get("/metrics").text
            return (0..<2).allSatisfy { (Self.value(later, #"conduit_event_loop_lag_seconds_count{loop="\#($0)"}"#) ?? 0) >= 1 }
        }
        for loop in 0..<2 {
            #expect((Self.value(later, #"conduit_event_loop_lag_seconds_count{loop="\#(loop)"}"#) ?? 0) >= 1)
            #expect(Self.value(later, #"conduit_executor_queue_depth{loop="\#(loop)"}"#) != nil)
            #expect(Self.value(later, #"conduit_http_requests_in_flight{loop="\#(loop)"}"#) != nil)
            #expect(Self.value(later, #"conduit_http_connections{loop="\#(loop)"}"#) != nil)
        }
    }

    @Test("an authenticated read is one statement: the token is verified, the caller's row not read")
    func authenticatedReadsAreOneStatement() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let api = UsersAPITests()
        let token = try #require(api.user(try api.call(server.port, "POST", "/api/users",
            body: #"{"user":{"username":"reader","email":"reader@x.yz","password":"password123"}}"#).json)["token"] as? String)
        let created = try api.call(server.port, "POST", "/api/articles",
            body: #"{"article":{"title":"Counted","description":"d","body":"b"}}"#, token: token)
        let slug = try #require((created.json["article"] as? [String: Any])?["slug"] as? String)
        let client = try RawHTTPClient(port: server.port)
        func reads() throws -> Double {
            try #require(Self.value(try client.get("/metrics").text, #"conduit_db_query_duration_seconds_count{kind="read"}"#))
        }
        let paths = ["/api/articles", "/api/articles/\(slug)", "/api/articles/\(slug)/comments", "/api/profiles/reader", "/api/articles/feed"]
        let before = try reads()
        for path in paths {
            for _ in 0..<4 { #expect(try client.get(path, headers: ["Authorization: Token \(token)"]).status == 200, "\(path)") }
        }
        // Reading the caller's row first made each of these two statements.
        #expect(try reads() - before == Double(paths.count * 4))
        // A token that does not verify is still refused on reads.
        #expect(try client.get("/api/articles", headers: ["Authorization: Token \(token)x"]).status == 401)
        #expect(try client.get("/api/articles/feed").status == 401)
    }

    @Test("shed and rate-limited requests are counted")
    func shedAndRateLimited() throws {
        // One loop, one request at a time, slow password hashing: concurrent registrations overflow it.
        let server = try ServerProcess.start(environment: [
            "EVENT_LOOPS": "1", "MAX_IN_FLIGHT_PER_LOOP": "1", "PASSWORD_HASH_COST": "14", "RATE_LIMIT_AUTH_PER_MINUTE": "100000",
        ])
        defer { server.stop() }
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let status = (try? UsersAPITests().call(server.port, "POST", "/api/users",
                body: "{\"user\":{\"username\":\"s\(index)\",\"email\":\"s\(index)@x.yz\",\"password\":\"password123\"}}").status) ?? 0
            statuses.withLock { $0.append(status) }
        }
        let shed = statuses.withLock { $0.filter { $0 == 503 }.count }
        #expect(shed > 0)
        let text = try RawHTTPClient(port: server.port).get("/metrics").text
        #expect(Self.value(text, "conduit_http_requests_shed_total") == Double(shed))
        #expect(Self.value(text, #"conduit_http_requests_total{method="POST",route="unmatched",status="5xx"}"#) == Double(shed))

        let limited = try ServerProcess.start(environment: ["PASSWORD_HASH_COST": "10", "RATE_LIMIT_AUTH_PER_MINUTE": "2"])
        defer { limited.stop() }
        let api = UsersAPITests()
        var codes: [Int] = []
        for _ in 0..<4 { codes.append(try api.call(limited.port, "POST", "/api/users/login", body: #"{"user":{"email":"a@b.cd","password":"password123"}}"#).status) }
        #expect(codes == [401, 401, 429, 429])
        let limitedText = try RawHTTPClient(port: limited.port).get("/metrics").text
        #expect(Self.value(limitedText, #"conduit_http_requests_rate_limited_total{limit="auth"}"#) == 2)
        #expect(Self.value(limitedText, #"conduit_http_requests_rate_limited_total{limit="general"}"#) == 0)
    }

    @Test("METRICS_TOKEN guards /metrics; production without a token hides it")
    func access() throws {
        let token = "metrics-token-0123456789abcdef"
        let guarded = try ServerProcess.start(environment: ["METRICS_TOKEN": token])
        defer { guarded.stop() }
        let client = try RawHTTPClient(port: guarded.port)
        let refused = try client.get("/metrics")
        #expect(refused.status == 401)
        #expect(refused.header("WWW-Authenticate") == "Bearer")
        #expect(try client.get("/metrics", headers: ["Authorization: Bearer wrong-token-0123456789abcdef"]).status == 401)
        #expect(try client.get("/metrics", headers: ["Authorization: Bearer \(token)x"]).status == 401)
        let allowed = try client.get("/metrics", headers: ["Authorization: Bearer \(token)"])
        #expect(allowed.status == 200 && allowed.text.contains("conduit_http_requests_total"))

        let production = try ServerProcess.start(environment: [
            "APP_ENV": "production", "JWT_SECRET": "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o",
        ])
        defer { production.stop() }
        #expect(try RawHTTPClient(port: production.port).get("/metrics").status == 404)
        let disabled = try ServerProcess.start(environment: ["METRICS_ENABLED": "false"])
        defer { disabled.stop() }
        let disabledClient = try RawHTTPClient(port: disabled.port)
        #expect(try disabledClient.get("/healthz").status == 200)
        #expect(try disabledClient.get("/metrics").status == 404)
        // The token never reaches the log.
        #expect(guarded.stop() == 0)
        #expect(!guarded.stdoutLines.joined().contains(token))
    }

    @Test("GET /api/openapi.json serves the OpenAPI 3.1 document of every route")
    func openAPI() throws {
        let server = try ServerProcess.start()
        defer { server.stop() }
        let response = try RawHTTPClient(port: server.port).get("/api/openapi.json")
        #expect(response.status == 200)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        #expect(paths["/api/articles/{slug}/comments/{id}"] != nil)
        #expect(paths["/metrics"] != nil)
    }
}
