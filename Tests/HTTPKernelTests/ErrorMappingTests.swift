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

    func respond(throwing error: any Error) async throws -> HTTPResponse {
        let chain = MiddlewareChain([ErrorMiddleware()], responder: ClosureResponder { _ in throw error })
        return try await chain.respond(to: HTTPRequest(method: .get, path: "/", requestID: "r1", logger: Logger(label: "test")))
    }

    @Test("a typed error keeps its status and becomes the envelope")
    func typedError() async throws {
        let response = try await respond(throwing: Forbidden())
        #expect(response.status == 403)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"errors":{"article":["not yours"]}}"#)
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
    }

    @Test("an unexpected error is a 500 that reveals nothing")
    func unexpectedError() async throws {
        let response = try await respond(throwing: Leaky())
        #expect(response.status == 500)
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(body == #"{"errors":{"server":["internal error"]}}"#)
    }

    @Test("error headers reach the response")
    func headersSurvive() async throws {
        let response = try await respond(throwing: HTTPError.serviceUnavailable("busy", retryAfterSeconds: 3))
        #expect(response.status == 503)
        #expect(response.headers["Retry-After"] == "3")
    }

    @Test("envelope keys are sorted and strings escaped")
    func envelopeEncoding() {
        let bytes = ErrorEnvelope.encode(["title": ["can't be \"empty\""], "body": ["a\nb", "\u{1}"]])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"errors":{"body":["a\nb","\u0001"],"title":["can't be \"empty\""]}}"#)
    }
}
