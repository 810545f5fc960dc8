import Foundation
import HTTPTestSupport
import Testing

/// Random malformed requests from a seeded generator: the server answers 4xx (or 501, or closes
/// the connection), never 5xx, never crashes, and a health check stays answered throughout.
@Suite("Malformed traffic")
struct MalformedTrafficTests {
    static func request(_ random: inout SeededGenerator) -> [UInt8] {
        let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW", "G\u{0}ET", ""]
        let paths = ["/api/users", "/api/users/login", "/api/articles", "/api/articles/x/comments", "/api/profiles/%00",
                     "/api/articles?limit=-1", "/%", "/" + String(repeating: "a", count: 5000), "*", "api", "/api/tags?\u{1}"]
        let bodies = ["", "{", "{\"user\":", "{\"user\":{\"email\":1}}", "[" + String(repeating: "[", count: 100),
                      "\u{FF}\u{FE}", "{\"article\":{\"title\":null}}", "null", String(repeating: "x", count: 3000)]
        var text = "\(methods.randomElement(using: &random)!) \(paths.randomElement(using: &random)!) HTTP/1.\(Int.random(in: 0...2, using: &random))\r\n"
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            text += ["Host: x", "Content-Type: application/json", "Authorization: Token \(String(repeating: "e", count: Int.random(in: 0...300, using: &random)))",
                     "Content-Length: \(Int.random(in: -5...50, using: &random))", "Transfer-Encoding: chunked", "X: \u{7F}", "NoColon", ": empty",
                     "Origin: null", "X-Request-Id: \(String(repeating: "<", count: 40))"].randomElement(using: &random)! + "\r\n"
        }
        text += "\r\n" + bodies.randomElement(using: &random)!
        var bytes = Array(text.utf8)
        // Flip a few bytes now and then.
        if !bytes.isEmpty, Bool.random(using: &random) {
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        }
        return bytes
    }

    @Test("5,000 random malformed requests: 4xx or a closed connection, never a 5xx or a crash")
    func randomMalformed() throws {
        let server = try ServerProcess.start(environment: ["LOG_LEVEL": "notice", "REQUEST_TIMEOUT_SECONDS": "2"])
        defer { server.stop() }
        var random = SeededGenerator(state: 20261124)
        var serverErrors: [String] = []
        for index in 0..<5000 {
            let bytes = Self.request(&random)
            guard let client = try? RawHTTPClient(port: server.port, timeoutSeconds: 2) else {
                Issue.record("connect failed at request \(index)")
                break
            }
            try? client.send(bytes)
            // Half-close so that a request waiting for more body bytes ends now, not at the timeout.
            client.shutdownWrite()
            if let response = try? client.readResponse(), response.status >= 500, response.status != 501 {
                serverErrors.append("#\(index) \(response.status): \(String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription)")
            }
            if index % 500 == 0 {
                let started = Date()
                #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
                #expect(Date().timeIntervalSince(started) < 1, "health check slow at request \(index)")
            }
        }
        #expect(serverErrors.isEmpty, "\(serverErrors.prefix(5))")
        #expect(server.process.isRunning)
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
    }
}

#if canImport(Glibc)
import Glibc
#endif
