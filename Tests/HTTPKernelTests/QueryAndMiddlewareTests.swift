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

    /// A synchronous step that records its hooks; it answers early or fails where told to.
    struct SyncStep: SynchronousMiddleware {
        let name: String
        let trace: Trace
        var answers = false
        var recovers = false
        var failsOnTheWayOut = false

        func intercept(_ request: inout HTTPRequest) throws -> HTTPResponse? {
            trace.add("\(name) in")
            return answers ? .text("from \(name)") : nil
        }

        func finish(_ response: inout HTTPResponse, for request: HTTPRequest) throws {
            trace.add("\(name) out")
            if failsOnTheWayOut { throw HTTPError.badRequest("step", name) }
            response.headers.add("X-Steps", name)
        }

        func recover(from error: any Error, for request: HTTPRequest) throws -> HTTPResponse {
            trace.add("\(name) recovers")
            guard recovers else { throw error }
            return .text("recovered by \(name)", status: 500)
        }
    }

    static func request() -> HTTPRequest { HTTPRequest(method: .get, path: "/", requestID: "r", logger: Logger(label: "t")) }

    @Test("synchronous steps nest like async ones, around and between them")
    func synchronousOrder() async throws {
        let trace = Trace()
        let chain = MiddlewareChain(
            [SyncStep(name: "a", trace: trace), SyncStep(name: "b", trace: trace), Step(name: "c", trace: trace), SyncStep(name: "d", trace: trace)],
            responder: ClosureResponder { _ in
                trace.add("handler")
                return .text("ok")
            })
        let response = try await chain.respond(to: Self.request())
        #expect(trace.steps.withLock { $0 } == ["a in", "b in", "c in", "d in", "handler", "d out", "c out", "b out", "a out"])
        #expect(response.headers.values(for: "X-Steps") == ["d", "b", "a"])
    }

    @Test("an early answer skips the step's own way out and everything inside it")
    func synchronousEarlyAnswer() async throws {
        let trace = Trace()
        let chain = MiddlewareChain(
            [SyncStep(name: "a", trace: trace), SyncStep(name: "b", trace: trace, answers: true), SyncStep(name: "c", trace: trace)],
            responder: ClosureResponder { _ in
                trace.add("handler")
                return .text("ok")
            })
        let response = try await chain.respond(to: Self.request())
        #expect(trace.steps.withLock { $0 } == ["a in", "b in", "a out"])
        #expect(response.body == Array("from b".utf8))
        #expect(response.headers.values(for: "X-Steps") == ["a"])
    }

    @Test("an error inside a step reaches its recover, and the steps outside finish the answer")
    func synchronousRecovery() async throws {
        let trace = Trace()
        let chain = MiddlewareChain(
            [
                SyncStep(name: "a", trace: trace), SyncStep(name: "b", trace: trace, recovers: true),
                SyncStep(name: "c", trace: trace), SyncStep(name: "d", trace: trace, failsOnTheWayOut: true),
            ],
            responder: ClosureResponder { _ in .text("ok") })
        let response = try await chain.respond(to: Self.request())
        // d's finish throws: c is skipped on the way out (its recover rethrows), b recovers.
        #expect(trace.steps.withLock { $0 } == ["a in", "b in", "c in", "d in", "d out", "c recovers", "b recovers", "a out"])
        #expect(response.status == 500)
        #expect(response.headers.values(for: "X-Steps") == ["a"])

        let unrecovered = MiddlewareChain([SyncStep(name: "x", trace: trace)], responder: ClosureResponder { _ in throw HTTPError.notFound("thing") })
        await #expect(throws: HTTPError.self) { try await unrecovered.respond(to: Self.request()) }
    }

    @Test("a synchronous step used alone behaves as in a chain")
    func synchronousAlone() async throws {
        let trace = Trace()
        let step = SyncStep(name: "a", trace: trace, recovers: true)
        let response = try await step.handle(Self.request(), next: ClosureResponder { _ in throw HTTPError.notFound("thing") })
        #expect(trace.steps.withLock { $0 } == ["a in", "a recovers"])
        #expect(response.status == 500)
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
