import HTTPKernel
import InMemoryTracing
import Logging
import Testing
import Tracing

@testable import ConduitApp

/// The server span the tracing middleware makes, with an in-memory tracer (W3C propagation
/// with swift-otel's tracer is `TracePropagationTests`; the wire format and export are
/// covered end to end by `TracingTests`).
@Suite("Tracing middleware")
struct TracingMiddlewareTests {
    func respond(_ path: String, status: Int, throwing: Bool = false, tracer: InMemoryTracer) async throws -> HTTPResponse {
        var router = Router()
        router.get("/api/things/:id") { _ in
            if throwing { throw CancellationError() }
            return HTTPResponse(status: status)
        }
        let pipeline = RoutedPipeline([TracingMiddleware(tracer: tracer), ErrorMiddleware()], router: router)
        return try await pipeline.respond(to: HTTPRequest(method: .get, path: path, peerAddress: "10.1.2.3", requestID: "r1", logger: Logger(label: "test")))
    }

    @Test("names the span by method and route template and records the HTTP attributes")
    func namesAndAttributes() async throws {
        let tracer = InMemoryTracer()
        let response = try await respond("/api/things/42", status: 200, tracer: tracer)
        #expect(response.status == 200)
        let span = try #require(tracer.finishedSpans.first)
        #expect(span.operationName == "GET /api/things/:id")
        #expect(span.kind == .server)
        #expect(span.attributes["http.request.method"]?.toSpanAttribute() == .string("GET"))
        #expect(span.attributes["http.route"]?.toSpanAttribute() == .string("/api/things/:id"))
        #expect(span.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(200))
        #expect(span.attributes["network.peer.address"]?.toSpanAttribute() == .string("10.1.2.3"))
        #expect(span.status == nil)
    }

    @Test("a 5xx, answered or thrown and mapped inside, marks the span as an error")
    func serverErrors() async throws {
        for throwing in [false, true] {
            let tracer = InMemoryTracer()
            let response = try await respond("/api/things/1", status: 503, throwing: throwing, tracer: tracer)
            #expect(response.status == (throwing ? 500 : 503))
            let span = try #require(tracer.finishedSpans.first)
            #expect(span.status?.code == .error)
            #expect(span.attributes["error.type"]?.toSpanAttribute() == .string(String(response.status)))
        }
    }

    @Test("a 4xx is not an error; a path no route matches is named by its method")
    func clientErrors() async throws {
        let tracer = InMemoryTracer()
        let response = try await respond("/nowhere", status: 200, tracer: tracer)
        #expect(response.status == 404)
        let span = try #require(tracer.finishedSpans.first)
        #expect(span.operationName == "GET")
        #expect(span.attributes["http.route"] == nil)
        #expect(span.status == nil)
    }
}

/// Tracing off must cost nothing: the middleware is not even in the chain.
@Suite("Tracing in the pipeline")
struct TracingPipelineTests {
    @Test("off: no tracing middleware; on: it is the outermost")
    func placement() {
        var configuration = AppConfiguration(jwtSecret: String(repeating: "k", count: 40))
        #expect(!Application(configuration: configuration).middlewares.contains { $0 is TracingMiddleware })
        configuration.tracing = TracingSettings(endpoint: "http://127.0.0.1:4318")
        #expect(Application(configuration: configuration).middlewares.first is TracingMiddleware)
    }
}
