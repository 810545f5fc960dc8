import Logging
import Synchronization
import Testing

@testable import HTTPKernel

@Suite("Query decoding")
struct QueryTests {
    @Test("decodes pairs, plus as space and percent escapes, in order")
    func decodes() throws {
        let query = try #require(QueryParameters(raw: "tag=swift+ui&author=J%C3%B6rg&flag&limit=20&tag=two"))
        #expect(query["tag"] == "swift ui")
        #expect(query["author"] == "Jörg")
        #expect(query["flag"] == "")
        #expect(query.pairs.count == 5)
    }

    @Test("refuses malformed escapes and invalid UTF-8", arguments: ["a=%", "a=%4", "a=%zz", "a=%C3", "a=%FF%FE"])
    func refuses(_ raw: String) {
        #expect(QueryParameters(raw: raw) == nil)
    }
}

@Suite("Middleware chain")
struct MiddlewareTests {
    final class Trace: Sendable {
        let steps = Mutex<[String]>([])
        func add(_ step: String) { steps.withLock { $0.append(step) } }
    }

    struct Step: HTTPMiddleware {
        let name: String
        let trace: Trace
        func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
            trace.add("\(name) in")
            let response = try await next.respond(to: request)
            trace.add("\(name) out")
            return response
        }
    }

    @Test("runs outermost first on the way in and last on the way out")
    func order() async throws {
        let trace = Trace()
        let chain = MiddlewareChain(
            [Step(name: "a", trace: trace), Step(name: "b", trace: trace)],
            responder: ClosureResponder { _ in
                trace.add("handler")
                return .text("ok")
            })
        _ = try await chain.respond(to: HTTPRequest(method: .get, path: "/", requestID: "r", logger: Logger(label: "t")))
        #expect(trace.steps.withLock { $0 } == ["a in", "b in", "handler", "b out", "a out"])
    }

    @Test("headers are looked up case-insensitively")
    func headersCaseInsensitive() {
        var headers: HTTPHeaders = ["Content-Type": "a"]
        headers.add("x-request-id", "b")
        #expect(headers["content-type"] == "a")
        #expect(headers["X-REQUEST-ID"] == "b")
        headers.set("CONTENT-TYPE", "c")
        #expect(headers.values(for: "content-type") == ["c"])
    }
}
