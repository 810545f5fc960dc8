import Foundation
import HTTPTestSupport
import Logging
import Testing

@testable import HTTPKernel

/// Request-framing and request-smuggling shapes from public smuggling tools' payload lists
/// (Corpus/SOURCE.md), each sent over a real socket to the kernel in process, with the answer
/// RFC 9112 asks for (Corpus/smuggling-cases.json).
///
/// Every case is followed, in the same write, by a valid `GET /smuggled`: the desync check. A
/// refused request must be the connection's only answer (the follow-up, or anything hidden in
/// the refused request's body, is never read as a request); an accepted one keeps the
/// connection, and the next answer is the follow-up's; an accepted one that must close the
/// connection (HTTP/1.0 with Transfer-Encoding) is its only answer.
@Suite("Request-smuggling corpus over real sockets", .serialized)
struct SmugglingCorpusTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        struct Expectation: Decodable, Sendable {
            let status: Int
            let close: Bool
            /// What `/echo` (or `/`) answers, for an accepted request: the body as framed.
            let body: String?
        }

        let name: String
        let source: String
        let why: String
        /// One byte per character (U+0000 to U+00FF), so that any byte can be written in JSON.
        let request: String
        let expect: Expectation

        var testDescription: String { name }

        var bytes: [UInt8]? {
            var bytes: [UInt8] = []
            for scalar in request.unicodeScalars {
                guard scalar.value <= 0xFF else { return nil }
                bytes.append(UInt8(scalar.value))
            }
            return bytes
        }
    }

    static let corpusURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Corpus").appendingPathComponent("smuggling-cases.json")

    static func loadCases() throws -> [Case] {
        try JSONDecoder().decode([Case].self, from: Data(contentsOf: corpusURL))
    }

    /// Empty if the file does not load: ``corpusIsWellFormed()`` fails then.
    static let cases: [Case] = (try? loadCases()) ?? []

    /// Sent after every case, in the same write.
    static let followUp = Array("GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n".utf8)

    /// The application's JSON envelope, as the kernel's refusals and error answers write it.
    static let envelope = ErrorBodyFormat(contentType: "application/json; charset=utf-8") { errors in
        let data = try? JSONSerialization.data(withJSONObject: ["errors": errors], options: [.sortedKeys])
        return data.map { Array($0) } ?? []
    }

    func start() throws -> (server: HTTPServer, port: Int) {
        var router = Router()
        let echo: Router.Handler = { request in HTTPResponse(body: request.body) }
        router.post("/echo", echo)
        router.get("/echo", echo)
        router.get("/") { _ in .text("root") }
        router.get("/smuggled") { _ in .text("smuggled") }
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.eventLoops = 1
        configuration.accessLog = false
        configuration.requestTimeoutSeconds = 3
        configuration.errorFormat = Self.envelope
        let server = HTTPServer(configuration: configuration, responder: RoutedPipeline([], router: router, errorFormat: Self.envelope), logger: Logger(label: "test"))
        return (server, try server.start())
    }

    @Test("the corpus loads: unique names, requests of bytes, expectations that say what to check")
    func corpusIsWellFormed() throws {
        let cases = try Self.loadCases()
        #expect(cases.count >= 40)
        #expect(Set(cases.map(\.name)).count == cases.count, "case names are unique")
        for testCase in cases {
            #expect(testCase.bytes != nil, "[\(testCase.name)] a character above U+00FF in the request")
            #expect(!testCase.source.isEmpty && !testCase.why.isEmpty, "[\(testCase.name)] source and reason")
            #expect(testCase.expect.status < 400 || testCase.expect.close, "[\(testCase.name)] a refusal closes the connection")
            #expect(testCase.expect.status >= 400 || testCase.expect.body != nil, "[\(testCase.name)] an accepted case says what its body is")
        }
    }

    @Test("each case gets RFC 9112's answer, and nothing after a refused request is ever answered", arguments: cases)
    func corpusCase(_ testCase: Case) async throws {
        let (server, port) = try start()
        do {
            try exchange(testCase, port: port)
        } catch {
            Issue.record("[\(testCase.name)] \(error) (\(testCase.why))")
        }
        server.shutdown(graceSeconds: 1)
        await server.waitUntilStopped()
    }

    func exchange(_ testCase: Case, port: Int) throws {
        let label = "[\(testCase.name)]"
        let expect = testCase.expect
        let client = try RawHTTPClient(port: port, timeoutSeconds: 5)
        try client.send(try #require(testCase.bytes, "\(label) request is not bytes") + Self.followUp)
        var first = try client.readResponse()
        // An interim 100 (Continue) is not the answer.
        while (100..<200).contains(first.status) { first = try client.readResponse() }

        guard first.status == expect.status else {
            // What else the server sends, without waiting out the read timeout on a kept connection.
            client.shutdownWrite()
            let closed = client.waitForClose()
            let after = String(decoding: client.unread, as: UTF8.self)
            Issue.record("""
                \(label) status \(first.status), expected \(expect.status) (\(testCase.why)); \
                Content-Type \(first.header("Content-Type") ?? "none"), Connection \(first.header("Connection") ?? "none"), \
                body \(first.text.debugDescription); then \(closed ? "closed" : "not closed"), \
                \(after.isEmpty ? "nothing more" : "followed by \(after.debugDescription)")
                """)
            return
        }

        if expect.status >= 400 {
            #expect(first.header("Content-Type")?.hasPrefix("application/json") == true,
                    "\(label) refusal not in the JSON envelope: Content-Type \(first.header("Content-Type") ?? "none"), body \(first.text.debugDescription)")
            let envelope = try? JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any]
            #expect(envelope?["errors"] is [String: Any], "\(label) envelope body \(first.text.debugDescription)")
            #expect(first.header("Connection")?.lowercased() == "close", "\(label) refusal without Connection: close")
            #expect(client.waitForClose(), "\(label) connection still open after the refusal")
            #expect(client.unread.isEmpty,
                    "\(label) answered again after the refusal (desync): \(String(decoding: client.unread, as: UTF8.self).debugDescription)")
        } else if expect.close {
            // An HTTP/1.0 answer may have no Content-Length: its body then ends at the close.
            #expect(client.waitForClose(), "\(label) connection kept open (the follow-up would be read as a request)")
            let rest = String(decoding: first.body + client.unread, as: UTF8.self)
            if let body = expect.body {
                #expect(rest == body, "\(label) body then bytes to the close: \(rest.debugDescription), expected \(body.debugDescription)")
            }
            #expect(!rest.contains("HTTP/1."), "\(label) a second answer on a connection that had to close: \(rest.debugDescription)")
        } else {
            #expect(first.header("Connection")?.lowercased() != "close", "\(label) connection closed after an accepted HTTP/1.1 request")
            if let body = expect.body {
                #expect(first.text == body, "\(label) body as framed: \(first.text.debugDescription), expected \(body.debugDescription)")
            }
            let second = try client.readResponse()
            #expect(second.status == 200 && second.text == "smuggled",
                    "\(label) second answer is not the follow-up's: \(second.status) \(second.text.debugDescription)")
            client.shutdownWrite()
            #expect(client.waitForClose(), "\(label) connection not closed after the client's half-close")
            #expect(client.unread.isEmpty,
                    "\(label) more answers than requests (desync): \(String(decoding: client.unread, as: UTF8.self).debugDescription)")
        }
    }
}
