import Foundation
import HTTPTestSupport
import Testing

/// Response compression as browsers, curl, proxies and caches meet it, over real sockets.
@Suite("Response compression")
struct CompressionTests {
    /// A server with a user and enough articles that the list is well above the 1 KiB threshold.
    static func serverWithArticles(_ extra: [String: String] = [:]) throws -> (server: ServerProcess, token: String, slug: String) {
        let server = try ServerProcess.start(environment: UsersAPITests.environment.merging(extra) { $1 })
        let port = server.port
        let token = try #require(API.object(try API.call(
            port, "POST", "/api/users", body: #"{"user":{"username":"zipper","email":"zip@x.yz","password":"password123"}}"#).json, "user")["token"] as? String)
        var slug = ""
        for index in 1...6 {
            let body = #"{"article":{"title":"Compressible \#(index)","description":"The same words again and again","body":"Paragraph one.\n\nParagraph two, longer and longer.","tagList":["zlib","gzip"]}}"#
            let created = try API.call(port, "POST", "/api/articles", token: token, body: body)
            slug = try #require(API.object(created.json, "article")["slug"] as? String)
        }
        return (server, token, slug)
    }

    /// The body as zlib inflates it (gzip or zlib wrapper, told apart by its header).
    static func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
        try run("/usr/bin/env", ["python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read(), 47))"], input: bytes)
    }

    static func run(_ executable: String, _ arguments: [String], input: [UInt8] = []) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(executable) \(arguments) exited \(process.terminationStatus)")
        return Array(output)
    }

    @Test("curl --compressed and a plain request get the same JSON; the coded body is smaller, its length is Content-Length, Vary names Accept-Encoding")
    func sameJSONEitherWay() throws {
        let (server, token, _) = try Self.serverWithArticles()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        for (path, headers) in [("/api/articles", [String]()), ("/api/articles?tag=zlib", []), ("/api/articles?author=zipper", ["Authorization: Token \(token)"]), ("/api/openapi.json", [])] {
            let plain = try client.get(path, headers: headers)
            #expect(plain.status == 200 && plain.header("Content-Encoding") == nil && plain.body.count > 1024, "\(path)")
            let coded = try client.get(path, headers: headers + ["Accept-Encoding: gzip, deflate, br"])
            #expect(coded.status == 200 && coded.header("Content-Encoding") == "gzip", "\(path)")
            #expect(coded.header("Content-Length") == String(coded.body.count) && coded.body.count * 2 < plain.body.count, "\(path): \(coded.body.count) of \(plain.body.count)")
            #expect(coded.headers.contains { $0.name.lowercased() == "vary" && $0.value.contains("Accept-Encoding") }, "\(path)")
            #expect(try Self.inflate(coded.body) == plain.body, "\(path)")
            #expect(coded.header("ETag") != nil && coded.header("ETag") != plain.header("ETag"), "\(path): the coded bytes are another representation")

            let curled = try Self.run("/usr/bin/curl", ["-sS", "--compressed", "-D", "/dev/stderr", "http://127.0.0.1:\(server.port)\(path)"] + headers.flatMap { ["-H", $0] })
            #expect(curled == plain.body, "\(path): curl --compressed")
        }
    }

    @Test("Accept-Encoding weights choose the coding; identity refused with nothing else acceptable is 406 before the handler runs")
    func negotiation() throws {
        let (server, token, _) = try Self.serverWithArticles()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let plain = try client.get("/api/articles")
        let cases: [(String, String?)] = [
            ("gzip", "gzip"), ("deflate", "deflate"), ("GZIP", "gzip"), ("x-gzip", "gzip"), ("*", "gzip"),
            ("gzip;q=0.5, deflate", "deflate"), ("deflate;q=0.2, gzip;q=0.1", "deflate"), ("gzip;q=0, deflate;q=0.001", "deflate"),
            ("gzip; q=1.0", "gzip"), ("deflate, gzip", "gzip"),
            ("br", nil), ("gzip;q=0", nil), ("identity;q=1, gzip;q=0.5", nil), ("gzip;q=2", nil), ("gzip;q=abc", nil), ("", nil),
            ("*;q=0, identity", nil), ("zstd, br;q=0.9", nil),
        ]
        for (accept, expected) in cases {
            let response = try client.get("/api/articles", headers: ["Accept-Encoding: \(accept)"])
            #expect(response.status == 200 && response.header("Content-Encoding") == expected, "Accept-Encoding: \(accept) gave \(response.header("Content-Encoding") ?? "identity")")
            #expect(try (expected == nil ? response.body : Self.inflate(response.body)) == plain.body, "Accept-Encoding: \(accept)")
        }
        // Two fields are one list.
        let split = try client.get("/api/articles", headers: ["Accept-Encoding: gzip;q=0.1", "Accept-Encoding: deflate"])
        #expect(split.header("Content-Encoding") == "deflate")

        // Identity refused, a coding accepted: coded whatever the size.
        let small = try client.get("/api/profiles/zipper", headers: ["Accept-Encoding: identity;q=0, gzip"])
        #expect(small.status == 200 && small.header("Content-Encoding") == "gzip")
        #expect(try (JSONSerialization.jsonObject(with: Data(Self.inflate(small.body))) as? [String: Any])?["profile"] != nil)

        // Nothing acceptable: 406 in the envelope, and a write is not carried out.
        for accept in ["identity;q=0", "*;q=0", "br, identity;q=0", "gzip;q=0, deflate;q=0, identity;q=0"] {
            let refused = try client.get("/api/articles", headers: ["Accept-Encoding: \(accept)"])
            #expect(refused.status == 406 && refused.reason == "Not Acceptable" && refused.text.contains(#""errors""#), "\(accept): \(refused.status) \(refused.text)")
        }
        let write = try RawHTTPClient(port: server.port)
        try write.send(RawHTTPClient.request("POST", "/api/articles", headers: [
            "Content-Type: application/json", "Authorization: Token \(token)", "Accept-Encoding: identity;q=0",
        ], body: #"{"article":{"title":"Never stored","description":"d","body":"b"}}"#))
        #expect(try write.readResponse().status == 406)
        #expect(try API.call(server.port, "GET", "/api/articles/never-stored").status == 404)
        #expect(try client.get("/api/articles").body == plain.body, "the list is unchanged")
    }

    @Test("small bodies, HEAD, 204, 304, errors and a server with compression off are left alone")
    func leftAlone() throws {
        let (server, token, slug) = try Self.serverWithArticles()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let gzip = "Accept-Encoding: gzip"

        let profile = try client.get("/api/profiles/zipper", headers: [gzip])
        #expect(profile.status == 200 && profile.header("Content-Encoding") == nil && profile.body.count < 1024)
        #expect(!profile.headers.contains { $0.name.lowercased() == "vary" && $0.value.contains("Accept-Encoding") }, "below the threshold nothing varies")
        let missing = try client.get("/api/articles/missing", headers: [gzip])
        #expect(missing.status == 404 && missing.header("Content-Encoding") == nil && missing.text.contains(#""errors""#))

        let plainHead = try client.get("/api/articles", method: "HEAD")
        let head = try client.get("/api/articles", headers: [gzip], method: "HEAD")
        #expect(head.status == 200 && head.header("Content-Encoding") == nil && head.header("Content-Length") == plainHead.header("Content-Length"))

        // 304: the tag of the coded body, no body, no coding; Vary still there.
        let coded = try client.get("/api/articles", headers: [gzip])
        let tag = try #require(coded.header("ETag"))
        let notModified = try client.get("/api/articles", headers: [gzip, "If-None-Match: \(tag)"])
        #expect(notModified.status == 304 && notModified.body.isEmpty && notModified.header("Content-Encoding") == nil)
        #expect(notModified.header("ETag") == tag && notModified.headers.contains { $0.name.lowercased() == "vary" && $0.value.contains("Accept-Encoding") })
        #expect(try client.get("/api/articles", headers: ["If-None-Match: \(tag)"]).status == 200, "the plain representation has another tag")

        let deleted = try RawHTTPClient(port: server.port)
        try deleted.send(RawHTTPClient.request("DELETE", "/api/articles/\(slug)", headers: ["Authorization: Token \(token)", gzip]))
        let gone = try deleted.readResponse()
        #expect(gone.status == 204 && gone.header("Content-Encoding") == nil && gone.body.isEmpty)
        #expect(try client.get("/healthz").status == 200, "the connection and the server keep serving")

        let off = try ServerProcess.start(environment: UsersAPITests.environment.merging(["COMPRESSION_ENABLED": "false"]) { $1 })
        defer { off.stop() }
        let offClient = try RawHTTPClient(port: off.port)
        let spec = try offClient.get("/api/openapi.json", headers: [gzip])
        #expect(spec.status == 200 && spec.body.count > 1024 && spec.header("Content-Encoding") == nil)
        #expect(try offClient.get("/api/openapi.json", headers: ["Accept-Encoding: identity;q=0"]).status == 200, "off means off: no 406 either")
    }

    @Test("COMPRESSION_MIN_BYTES and COMPRESSION_LEVEL are honoured and validated")
    func settings() throws {
        let (server, _, _) = try Self.serverWithArticles(["COMPRESSION_MIN_BYTES": "0", "COMPRESSION_LEVEL": "1"])
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let plain = try client.get("/api/profiles/zipper")
        let coded = try client.get("/api/profiles/zipper", headers: ["Accept-Encoding: gzip"])
        #expect(try coded.header("Content-Encoding") == "gzip" && Self.inflate(coded.body) == plain.body)
        for (key, value) in [("COMPRESSION_LEVEL", "0"), ("COMPRESSION_LEVEL", "10"), ("COMPRESSION_MIN_BYTES", "-1"), ("COMPRESSION_ENABLED", "maybe")] {
            let check = try ServerProcess(arguments: ["config", "check"], environment: [key: value])
            #expect(check.waitForExit() == 78 && check.stderrText.contains(key), "\(key)=\(value): \(check.stderrText)")
        }
    }
}
