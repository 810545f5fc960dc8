import Foundation
import HTTPTestSupport
import Testing

@Suite("CORS and security headers")
struct CORSAndHeadersTests {
    static let environment = UsersAPITests.environment.merging(["CORS_ALLOWED_ORIGINS": "https://app.example.com, http://localhost:3000"]) { $1 }

    @Test("a preflight from an allowed origin gets 204 with the origin echoed, methods, headers and max age")
    func allowedPreflight() throws {
        let server = try ServerProcess.start(environment: Self.environment)
        defer { server.stop() }
        let response = try RawHTTPClient(port: server.port).get("/api/articles", headers: [
            "Origin: https://app.example.com", "Access-Control-Request-Method: POST",
            "Access-Control-Request-Headers: authorization, content-type",
        ], method: "OPTIONS")
        #expect(response.status == 204)
        #expect(response.header("Access-Control-Allow-Origin") == "https://app.example.com")
        #expect(response.header("Access-Control-Allow-Methods")?.contains("PUT") == true)
        #expect(response.header("Access-Control-Allow-Headers") == "Authorization, Content-Type, X-Request-Id")
        #expect(response.header("Access-Control-Max-Age") == "600")
        #expect(response.header("Vary") == "Origin")
        #expect(response.header("Access-Control-Allow-Credentials") == nil)
    }

    @Test("a disallowed origin gets no Access-Control-Allow-Origin, on preflights and on requests")
    func refusedOrigin() throws {
        let server = try ServerProcess.start(environment: Self.environment)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let preflight = try client.get("/api/articles", headers: ["Origin: https://evil.example", "Access-Control-Request-Method: POST"], method: "OPTIONS")
        #expect(preflight.header("Access-Control-Allow-Origin") == nil)
        let request = try client.get("/api/tags", headers: ["Origin: https://evil.example"])
        #expect(request.status == 200 && request.header("Access-Control-Allow-Origin") == nil && request.header("Vary") == "Origin")
    }

    @Test("allowed origins see the answer, errors included")
    func allowedRequests() throws {
        let server = try ServerProcess.start(environment: Self.environment)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let ok = try client.get("/api/tags", headers: ["Origin: http://localhost:3000"])
        #expect(ok.header("Access-Control-Allow-Origin") == "http://localhost:3000")
        #expect(ok.header("Access-Control-Expose-Headers") == "X-Request-Id")
        let unauthorized = try client.get("/api/user", headers: ["Origin: http://localhost:3000"])
        #expect(unauthorized.status == 401 && unauthorized.header("Access-Control-Allow-Origin") == "http://localhost:3000")
    }

    @Test("every response carries the security headers; authenticated ones are not cached")
    func securityHeaders() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        for path in ["/api/tags", "/api/nothing"] {
            let response = try client.get(path)
            #expect(response.header("Referrer-Policy") == "no-referrer")
            #expect(response.header("X-Frame-Options") == "DENY")
            #expect(response.header("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'")
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            #expect(response.header("Strict-Transport-Security") == nil, "HSTS only in production")
            #expect(response.header("Access-Control-Allow-Origin") == nil, "CORS is off by default")
        }
        #expect(try client.get("/api/user", headers: ["Authorization: Token x"]).header("Cache-Control") == "no-store")
    }

    @Test("CORS_ALLOWED_ORIGINS is validated; * is refused in production", arguments: [
        ["CORS_ALLOWED_ORIGINS": "not an origin"], ["CORS_ALLOWED_ORIGINS": "https://a.example/path"],
        ["CORS_ALLOWED_ORIGINS": "*", "APP_ENV": "production", "JWT_SECRET": "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o"],
    ])
    func validation(_ environment: [String: String]) throws {
        let server = try ServerProcess(arguments: ["serve"], environment: environment)
        #expect(server.waitForExit() == 78)
        #expect(server.stderrText.contains("CORS_ALLOWED_ORIGINS"))
    }
}

@Suite("Rate limiting")
struct RateLimitingTests {
    @Test("auth endpoints are limited per IP with 429, Retry-After and RateLimit headers; other routes are not")
    func authLimit() throws {
        let server = try ServerProcess.start(environment: ["PASSWORD_HASH_COST": "10", "RATE_LIMIT_AUTH_PER_MINUTE": "3"])
        defer { server.stop() }
        let api = UsersAPITests()
        var statuses: [Int] = []
        for index in 0..<4 {
            statuses.append(try api.call(server.port, "POST", "/api/users/login", body: "{\"user\":{\"email\":\"n\(index)@x.yz\",\"password\":\"password123\"}}").status)
        }
        #expect(statuses == [401, 401, 401, 429])
        let client = try RawHTTPClient(port: server.port)
        try client.send(RawHTTPClient.request("POST", "/api/users", headers: ["Content-Type: application/json"], body: #"{"user":{"username":"a","email":"a@b.cd","password":"password123"}}"#))
        let refused = try client.readResponse()
        #expect(refused.status == 429)
        #expect(refused.text == #"{"errors":{"rate_limit":["too many requests, retry later"]}}"#)
        #expect(Int(refused.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(refused.header("RateLimit-Limit") == "3" && refused.header("RateLimit-Remaining") == "0")
        for _ in 0..<10 { #expect(try client.get("/api/tags").status == 200) }
        #expect(try client.get("/api/tags").header("RateLimit-Limit") == nil, "no general limit by default")
    }

    @Test("the auth limit holds for every spelling that reaches the login and registration handlers")
    func authLimitEverySpelling() throws {
        let server = try ServerProcess.start(environment: ["PASSWORD_HASH_COST": "10", "RATE_LIMIT_AUTH_PER_MINUTE": "3"])
        defer { server.stop() }
        let api = UsersAPITests()
        let register = #"{"user":{"username":"speller","email":"speller@x.yz","password":"password123"}}"#
        let login = #"{"user":{"email":"speller@x.yz","password":"password123"}}"#
        #expect(try api.call(server.port, "POST", "/api/users", body: register).status == 201)
        #expect(try api.call(server.port, "POST", "/api/users/login", body: login).status == 200)
        #expect(try api.call(server.port, "POST", "/api/users/login/", body: login).status == 200)
        // Three tokens spent, by three spellings: every spelling now meets the same empty bucket.
        let spellings = [
            "/api/users/login", "/api/users/login/", "/api/users/login?x=1", "/api/users/login/?x=1", "/api/users/login?",
            "/api/users", "/api/users/", "/api/users?x=1", "/api/users/?next=/",
        ]
        for path in spellings {
            let body = path.hasPrefix("/api/users/login") ? login : register
            let response = try api.call(server.port, "POST", path, body: body)
            #expect(response.status == 429, "\(path) reached its handler past the limit")
            #expect(api.user(response.json)["token"] == nil, "\(path)")
        }
        // Other routes never draw from the auth bucket.
        #expect(try api.call(server.port, "GET", "/api/tags/").status == 200)
    }

    @Test("the general limit, when on, applies per IP")
    func generalLimit() throws {
        let server = try ServerProcess.start(environment: ["RATE_LIMIT_PER_MINUTE": "5"])
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let statuses = try (0..<7).map { _ in try client.get("/api/tags").status }
        #expect(statuses == [200, 200, 200, 200, 200, 429, 429])
        #expect(try client.get("/healthz").status == 200, "health probes are never limited")
        #expect(try client.get("/healthz/").status == 200, "whatever their spelling")
        #expect(try client.get("/api/nothing").status == 429, "unknown routes are limited too")
    }
}
