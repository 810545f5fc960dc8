import Foundation
import HTTPTestSupport
import Testing

/// Header bytes evhttp would accept but must not: each gets 400 in the envelope and a closed
/// connection, and the server keeps serving.
@Suite("Malformed header fields over real sockets")
struct HeaderShapeTests {
    static func expectRefused(
        _ bytes: [UInt8], on server: ServerProcess, writes: Int = 1, status: Int = 400, key: String = "header", _ comment: Comment
    ) throws {
        let client = try RawHTTPClient(port: server.port, timeoutSeconds: 5)
        // Split the head over several writes: the check must not depend on one read.
        let size = (bytes.count + writes - 1) / writes
        for start in stride(from: 0, to: bytes.count, by: size) {
            try client.send(Array(bytes[start..<min(start + size, bytes.count)]))
            if writes > 1 { letTimePass(milliseconds: 50) }  // a slow client: each piece its own read
        }
        let response = try client.readResponse()
        #expect(response.status == status, comment)
        #expect(response.text.hasPrefix(#"{"errors":{"\#(key)":"#), comment)
        #expect(response.header("X-Request-Id") != nil, comment)
        #expect(response.header("Connection")?.lowercased() == "close", comment)
        #expect(client.waitForClose(), comment)
    }

    @Test("NUL bytes, bare LF, folded lines, control characters, bad names and invalid UTF-8 in a head are refused")
    func refusedShapes() throws {
        let server = try ServerProcess.start()
        defer { server.stop() }
        let shapes: [(String, [UInt8])] = [
            ("NUL inside a value", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a".utf8) + [0] + Array("b\r\n\r\n".utf8)),
            // evhttp would end the head at this line and read the rest as something else.
            ("line starting with NUL", Array("GET /healthz HTTP/1.1\r\nHost: x\r\n".utf8) + [0] + Array("\r\nContent-Length: 0\r\n\r\n".utf8)),
            ("control character in a value", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u{01}b\r\n\r\n".utf8)),
            ("DEL in a value", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u{7F}\r\n\r\n".utf8)),
            ("space inside a name", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n".utf8)),
            // A proxy that ends lines only at CRLF would see one field where evhttp sees two.
            ("bare LF", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\nTransfer-Encoding: chunked\r\n\r\n".utf8)),
            ("folded line", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n".utf8)),
            ("Content-Length and Transfer-Encoding", Array("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8)),
            ("two Content-Lengths", Array("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello".utf8)),
            ("invalid UTF-8 in a value", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ".utf8) + [0xFF, 0xFE] + Array("\r\n\r\n".utf8)),
        ]
        for (name, bytes) in shapes {
            try Self.expectRefused(bytes, on: server, "\(name)")
            try Self.expectRefused(bytes, on: server, writes: 3, "\(name), in three writes")
        }
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
    }

    /// evhttp refuses these as well, but with its own HTML page and no request id.
    @Test("malformed request lines, unknown methods, header lines without a colon and bare CRs get the envelope")
    func requestLineShapes() throws {
        let server = try ServerProcess.start()
        defer { server.stop() }
        let shapes: [(String, String, Int, String)] = [
            ("garbage", "GARBAGE\r\n\r\n", 400, "request"),
            ("no version", "GET /healthz\r\nHost: x\r\n\r\n", 400, "request"),
            ("HTTP/2.0 on HTTP/1", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 400, "request"),
            ("space inside the target", "GET /health z HTTP/1.1\r\nHost: x\r\n\r\n", 400, "request"),
            ("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", 501, "method"),
            ("unknown method", "QUERY /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method"),
            ("lowercase method", "get /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method"),
            ("header line without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400, "header"),
            ("bare CR", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, "header"),
        ]
        for (name, text, status, key) in shapes {
            try Self.expectRefused(Array(text.utf8), on: server, status: status, key: key, "\(name)")
            try Self.expectRefused(Array(text.utf8), on: server, writes: 3, status: status, key: key, "\(name), in three writes")
        }
        #expect(try RawHTTPClient(port: server.port).get("/healthz").status == 200)
    }

    @Test("a NUL in the second of two pipelined requests refuses the second, not the first")
    func pipelinedNUL() throws {
        let server = try ServerProcess.start()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port, timeoutSeconds: 5)
        let first = Array(RawHTTPClient.request("GET", "/healthz").utf8)
        let second = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a".utf8) + [0] + Array("b\r\n\r\n".utf8)
        try client.send(first + second)
        #expect(try client.readResponse().status == 200)
        let refused = try client.readResponse()
        #expect(refused.status == 400)
        #expect(client.waitForClose())
    }

    @Test("a NUL in a body is the body's business, not a header error")
    func nulInBody() throws {
        let server = try ServerProcess.start()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port, timeoutSeconds: 5)
        let head = Array("POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n".utf8)
        try client.send(head)
        letTimePass(milliseconds: 50)  // the body in a read of its own, after the head
        try client.send([0x7B, 0x00, 0x00, 0x7D])
        let response = try client.readResponse()
        #expect(response.status == 400 || response.status == 422)
        #expect(!response.text.contains(#""header""#))
        // Still a usable keep-alive connection.
        #expect(try client.get("/healthz").status == 200)
    }

    @Test("tabs and UTF-8 in values and the usual punctuation in names are accepted")
    func acceptedShapes() throws {
        let server = try ServerProcess.start()
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let response = try client.get("/healthz", headers: ["X-Name_With.Odd~Chars!: a\tb", "X-Greeting: grüß dich"])
        #expect(response.status == 200)
    }
}
