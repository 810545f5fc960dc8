import Logging
import Synchronization
import Testing

@testable import HTTPKernel

@Suite("Router")
struct RouterTests {
    static func makeRouter() -> Router {
        var router = Router()
        router.get("/api/articles") { _ in .text("list") }
        router.post("/api/articles") { _ in .text("create") }
        router.get("/api/articles/feed") { _ in .text("feed") }
        router.get("/api/articles/:slug") { request in .text("article \(request.parameter("slug")!)") }
        router.delete("/api/articles/:slug/comments/:id") { request in
            .text("delete \(request.parameter("slug")!) \(request.parameter("id")!)")
        }
        return router
    }

    func body(_ method: HTTPMethod, _ path: String) async throws -> String {
        let request = HTTPRequest(method: method, path: path, requestID: "t", logger: Logger(label: "test"))
        let response = try await Self.makeRouter().respond(to: request)
        return String(decoding: response.body, as: UTF8.self)
    }

    @Test("a literal segment wins over a parameter")
    func literalBeatsParameter() async throws {
        #expect(try await body(.get, "/api/articles/feed") == "feed")
        #expect(try await body(.get, "/api/articles/how-to") == "article how-to")
    }

    @Test("parameters are percent-decoded")
    func decodesParameters() async throws {
        #expect(try await body(.get, "/api/articles/caf%C3%A9%20au%20lait") == "article café au lait")
        #expect(try await body(.delete, "/api/articles/a/comments/42") == "delete a 42")
    }

    @Test("a malformed escape in a parameter is a 400, not a crash")
    func malformedEscape() async {
        await #expect(throws: HTTPError.badRequest("path", "malformed percent-encoding")) {
            try await body(.get, "/api/articles/%zz")
        }
        await #expect(throws: HTTPError.self) { try await body(.get, "/api/articles/%C3") }
    }

    @Test("an unknown path is 404")
    func notFound() {
        let router = Self.makeRouter()
        for path in ["/", "/api", "/api/articles/a/b", "/api//articles", "/nope"] {
            guard case .notFound = router.match(.get, path: path) else {
                Issue.record("\(path) should be 404")
                continue
            }
        }
    }

    @Test("a known path with another method is 405 listing what it allows, HEAD included with GET")
    func methodNotAllowed() async {
        guard case let .methodNotAllowed(allowed) = Self.makeRouter().match(.put, path: "/api/articles") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.get, .head, .post])
        await #expect(throws: HTTPError.methodNotAllowed(allowed: [.get, .head, .post])) {
            try await body(.put, "/api/articles")
        }
        #expect(HTTPError.methodNotAllowed(allowed: [.get, .head]).headers["Allow"] == "GET, HEAD")
    }

    @Test("HEAD is served by the GET handler")
    func headFallsBackToGet() async throws {
        #expect(try await body(.head, "/api/articles") == "list")
    }

    @Test("a trailing slash names the same route")
    func trailingSlash() async throws {
        #expect(try await body(.get, "/api/articles/") == "list")
    }

    @Test("the matched template is recorded on the request")
    func recordsTemplate() async throws {
        var router = Router()
        router.get("/a/:id") { request in .text(request.route ?? "none") }
        let request = HTTPRequest(method: .get, path: "/a/1", requestID: "t", logger: Logger(label: "test"))
        let response = try await router.respond(to: request)
        #expect(String(decoding: response.body, as: UTF8.self) == "/a/:id")
        #expect(response.route == "/a/:id", "the access log reads it from the response")
    }

    /// Records the route each request reached it with.
    final class RouteRecorder: HTTPMiddleware {
        let seen = Mutex<[String]>([])
        func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
            seen.withLock { $0.append("\(request.method.rawValue) \(request.route ?? "-")") }
            return try await next.respond(to: request)
        }
    }

    @Test("group middleware runs for the group's routes, whatever the spelling, and for no other")
    func groupMiddleware() async throws {
        let recorder = RouteRecorder()
        var router = Router()
        router.group([recorder]) { group in
            group.post("/api/users/login") { _ in .text("login") }
        }
        router.get("/api/tags") { _ in .text("tags") }
        for path in ["/api/users/login", "/api/users/login/"] {
            let request = HTTPRequest(method: .post, path: path, requestID: "t", logger: Logger(label: "test"))
            #expect(String(decoding: try await router.respond(to: request).body, as: UTF8.self) == "login")
        }
        _ = try await router.respond(to: HTTPRequest(method: .get, path: "/api/tags", requestID: "t", logger: Logger(label: "test")))
        #expect(recorder.seen.withLock { $0 } == ["POST /api/users/login", "POST /api/users/login"])
    }

    @Test("a routed pipeline's middleware sees the matched route before the handler, and errors keep it")
    func routedPipeline() async throws {
        let recorder = RouteRecorder()
        var router = Router()
        router.get("/api/articles/:slug") { _ in throw HTTPError.notFound("article") }
        let pipeline = RoutedPipeline([recorder], router: router)
        let response = try await pipeline.respond(to: HTTPRequest(method: .get, path: "/api/articles/x/", requestID: "t", logger: Logger(label: "test")))
        #expect(response.status == 404 && response.route == "/api/articles/:slug")
        let unknown = try await pipeline.respond(to: HTTPRequest(method: .get, path: "/nowhere", requestID: "t", logger: Logger(label: "test")))
        #expect(unknown.status == 404 && unknown.route == nil)
        #expect(recorder.seen.withLock { $0 } == ["GET /api/articles/:slug", "GET -"])
    }
}
