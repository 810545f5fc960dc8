import Foundation
import HTTPTestSupport
import Testing

/// What a proxy or a pipelining client reads off the wire: HEAD replies without a body on every
/// route, the RFC 9110 reason phrase on every status line, and the security headers on every
/// answer, the kernel's own included.
@Suite("Wire correctness")
struct WireCorrectnessTests {
    let api = UsersAPITests()

    /// GET routes of every kind: static, parameterised, authenticated, failing, unknown.
    func getPaths(_ port: Int) throws -> (paths: [String], token: String) {
        let token = try ArticlesAPITests().register(port, "reader")
        let created = try api.call(
            port, "POST", "/api/articles", body: #"{"article":{"title":"Head","description":"d","body":"b","tagList":["t"]}}"#, token: token)
        let slug = try #require(ArticlesAPITests().article(created.json)["slug"] as? String)
        let paths = [
            "/healthz", "/readyz", "/api/tags", "/api/articles", "/api/articles?tag=t&limit=5", "/api/articles/\(slug)",
            "/api/articles/\(slug)/comments", "/api/profiles/reader", "/api/user", "/api/articles/feed", "/api/openapi.json",
            "/metrics", "/api/articles/missing", "/api/nothing", "/api/tags/",
        ]
        return (paths, token)
    }

    @Test("HEAD sends the GET's status and headers, the same Content-Length, and no body, on every GET route")
    func headOnEveryRoute() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let (paths, token) = try getPaths(server.port)
        for auth in [[], ["Authorization: Token \(token)"]] {
            // One kept-alive connection for everything: a stray body byte desynchronises it.
            let client = try RawHTTPClient(port: server.port)
            for path in paths {
                let get = try client.get(path, headers: auth)
                let head = try client.get(path, headers: auth, method: "HEAD")
                #expect(head.status == get.status, "\(path)")
                // (The metrics page and the current user's fresh token change between two
                // requests; every other body does not.)
                if path != "/metrics", path != "/api/user" { #expect(head.header("Content-Length") == String(get.body.count), "\(path)") }
                #expect(head.header("Content-Type") == get.header("Content-Type"), "\(path)")
                #expect(head.body.isEmpty && client.unread.isEmpty, "\(path): bytes after a HEAD reply")
            }
            #expect(try client.get("/healthz").status == 200)
        }
    }

    @Test("pipelined HEAD and GET requests get their replies in order, each starting with a status line")
    func pipelinedHead() throws {
        let server = try ServerProcess.start(environment: UsersAPITests.environment)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let methods = ["HEAD", "GET", "HEAD", "HEAD", "GET", "HEAD"]
        try client.send(methods.map { RawHTTPClient.request($0, "/api/tags") }.joined())
        for method in methods {
            let response = try client.readResponse(method: method)
            #expect(response.status == 200)
            #expect(method == "HEAD" ? response.body.isEmpty : response.text == #"{"tags":[]}"#)
        }
        #expect(!client.hasData(withinMilliseconds: 200), "nothing after the last reply")
    }

    @Test("every status line carries its RFC 9110 reason phrase")
    func reasonPhrases() throws {
        let server = try ServerProcess.start(environment: [
            "PASSWORD_HASH_COST": "10", "RATE_LIMIT_AUTH_PER_MINUTE": "1", "MAX_BODY_BYTES": "1024", "MAX_HEADER_BYTES": "2048",
        ])
        defer { server.stop() }
        let port = server.port
        func phrase(_ request: String) throws -> (Int, String) {
            let client = try RawHTTPClient(port: port)
            try client.send(request)
            let response = try client.readResponse()
            return (response.status, response.reason)
        }
        let json = ["Content-Type: application/json"]
        let expected: [(String, Int, String)] = [
            (RawHTTPClient.request("GET", "/healthz"), 200, "OK"),
            (RawHTTPClient.request("POST", "/api/users", headers: json, body: #"{"user":{"username":"u","email":"u@x.yz","password":"password123"}}"#), 201, "Created"),
            (RawHTTPClient.request("OPTIONS", "/api/tags"), 405, "Method Not Allowed"),
            (RawHTTPClient.request("POST", "/api/articles", headers: json, body: "{"), 401, "Unauthorized"),
            (RawHTTPClient.request("GET", "/api/nothing"), 404, "Not Found"),
            (RawHTTPClient.request("PUT", "/api/user", headers: json + ["Authorization: Token x"], body: "{}"), 401, "Unauthorized"),
            (RawHTTPClient.request("POST", "/api/users", headers: json, body: #"{"user":{}}"#), 429, "Too Many Requests"),
            (RawHTTPClient.request("GET", "/api/articles?limit=x"), 422, "Unprocessable Content"),
            (RawHTTPClient.request("POST", "/healthz", headers: ["Content-Length: 4096"]), 413, "Content Too Large"),
            (RawHTTPClient.request("GET", "/healthz", headers: ["X-Big: " + String(repeating: "a", count: 4000)]), 431, "Request Header Fields Too Large"),
            ("GET /healthz HTTP/1.1\r\nHost: x\r\nbroken line\r\n\r\n", 400, "Bad Request"),
            ("BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501, "Not Implemented"),
        ]
        for (request, status, reason) in expected {
            let (gotStatus, gotReason) = try phrase(request)
            #expect(gotStatus == status && gotReason == reason, "\(request.prefix(40)): \(gotStatus) \(gotReason)")
        }
    }

    static let securityHeaders = [
        "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
    ]

    @Test("the kernel's own answers (413, 431, 400, 501, chunked 413) carry the security headers and the envelope")
    func kernelAnswersCarrySecurityHeaders() throws {
        let server = try ServerProcess.start(environment: [
            "APP_ENV": "production", "JWT_SECRET": "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o", "MAX_BODY_BYTES": "1024",
            "MAX_HEADER_BYTES": "2048",
        ])
        defer { server.stop() }
        let answers: [(String, Int)] = [
            (RawHTTPClient.request("POST", "/api/users", headers: ["Content-Length: 4096"]), 413),
            (RawHTTPClient.request("GET", "/healthz", headers: ["X-Big: " + String(repeating: "a", count: 4000)]), 431),
            ("GET /healthz HTTP/1.1\r\nHost: x\r\nbroken line\r\n\r\n", 400),
            ("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501),
            ("POST /api/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + String(repeating: "a", count: 2048) + "\r\n0\r\n\r\n", 413),
            (RawHTTPClient.request("GET", "/api/tags"), 200),
            (RawHTTPClient.request("GET", "/api/nothing"), 404),
        ]
        for (request, status) in answers {
            let client = try RawHTTPClient(port: server.port)
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == status, "\(request.prefix(40))")
            for (name, value) in Self.securityHeaders {
                #expect(response.header(name) == value, "\(request.prefix(40)): \(name)")
            }
            #expect(response.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains", "\(request.prefix(40))")
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(request.prefix(40))")
            if status >= 400 {
                let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
                #expect(json?["errors"] is [String: [String]], "\(request.prefix(40)): \(response.text)")
            }
        }
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
    }

    @Test("a chunked body growing past MAX_BODY_BYTES gets the envelope's 413, in one chunk or many, and the server keeps serving")
    func chunkedBodyTooLarge() throws {
        let server = try ServerProcess.start(environment: ["MAX_BODY_BYTES": "1024"])
        defer { server.stop() }
        // Many small chunks: the total, not any one chunk, is over the limit.
        var many = "POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<20 { many += "40\r\n" + String(repeating: "b", count: 64) + "\r\n" }
        many += "0\r\n\r\n"
        for request in [many, "POST /api/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n"] {
            let client = try RawHTTPClient(port: server.port)
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.text == #"{"errors":{"body":["larger than 1024 bytes"]}}"#)
            #expect(client.waitForClose())
        }
        // Within the limit, chunked is served as usual.
        let small = try RawHTTPClient(port: server.port)
        try small.send("POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"use\r\n3\r\nr\":\r\n2\r\n{}\r\n1\r\n}\r\n0\r\n\r\n")
        #expect(try small.readResponse().status == 422)
        // Malformed chunk framing: a 400 in the envelope, not evhttp's HTML page.
        let malformed = try RawHTTPClient(port: server.port)
        try malformed.send("POST /api/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
        let refused = try malformed.readResponse()
        #expect(refused.status == 400 && refused.text.hasPrefix(#"{"errors":"#))
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
    }
}
