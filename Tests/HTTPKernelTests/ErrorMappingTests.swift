import Logging
import Testing

@testable import HTTPKernel

@Suite("Error mapping")
struct ErrorMappingTests {
    struct Forbidden: HTTPErrorConvertible {
        var httpError: HTTPError { HTTPError(status: 403, key: "article", "not yours") }
    }

    struct Leaky: Error, CustomStringConvertible {
        var description: String { "SELECT * FROM users at /srv/secret/path.swift:42" }
    }

    /// An application's own format: a problem-like JSON object, to show it is what gets written.
    static let problem = ErrorBodyFormat(contentType: "application/problem+json") { errors in
        Array("{\"problems\":\(errors.keys.sorted())}".utf8)
    }

    func respond(throwing error: any Error, format: ErrorBodyFormat = problem) async throws -> HTTPResponse {
        let chain = MiddlewareChain([ErrorMiddleware(format: format)], responder: ClosureResponder { _ in throw error })
        return try await chain.respond(to: HTTPRequest(method: .get, path: "/", requestID: "r1", logger: Logger(label: "test")))
    }

    @Test("a typed error keeps its status and is written in the application's format")
    func typedError() async throws {
        let response = try await respond(throwing: Forbidden())
        #expect(response.status == 403)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"problems":["article"]}"#)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let plain = try await respond(throwing: Forbidden(), format: .plainText)
        #expect(String(decoding: plain.body, as: UTF8.self) == "article: not yours\n" && plain.headers["Content-Type"] == "text/plain; charset=utf-8")
    }

    @Test("an unexpected error is a 500 that reveals nothing")
    func unexpectedError() async throws {
        let response = try await respond(throwing: Leaky())
        #expect(response.status == 500)
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(body == #"{"problems":["server"]}"#)
        let plain = try await respond(throwing: Leaky(), format: .plainText)
        #expect(String(decoding: plain.body, as: UTF8.self) == "server: internal error\n")
    }

    @Test("error headers reach the response")
    func headersSurvive() async throws {
        let response = try await respond(throwing: HTTPError.serviceUnavailable("busy", retryAfterSeconds: 3))
        #expect(response.status == 503)
        #expect(response.headers["Retry-After"] == "3")
    }
}
