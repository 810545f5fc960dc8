import HTTPKernel
import Instrumentation
import Logging
import Tracing

/// One server span per request, named by method and route template (`GET /api/articles/:slug`,
/// or the method alone when no route matched), continuing the caller's W3C `traceparent` and
/// `tracestate` once validated (``IncomingTraceContext``; a new trace otherwise, and an invalid
/// `tracestate` alone is dropped). The span is the current context for everything the
/// request does (database units, password hashing), its trace and span ids go on the
/// request's logger and the access log line, and `traceparent` goes back on the response.
///
/// Only in the chain when tracing is on: with tracing off no request pays anything for it.
/// Outermost, so the span covers the other middleware and sees the final status.
struct TracingMiddleware: HTTPMiddleware {
    /// The process's tracer (swift-otel's, once `TracingExport` installed it); tests pass their own.
    var tracer: any Tracer = InstrumentationSystem.tracer

    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        var parent = InstrumentationContext.topLevel
        if let incoming = IncomingTraceContext(request.headers) {
            tracer.extract(incoming, into: &parent, using: IncomingTraceContext.Reader())
        }
        let name = request.route.map { "\(request.method.rawValue) \($0)" } ?? request.method.rawValue
        let span: any Span = tracer.startSpan(name, context: parent, ofKind: .server)
        defer { span.end() }
        span.attributes["http.request.method"] = request.method.rawValue
        if let route = request.route { span.attributes["http.route"] = route }
        span.attributes["network.peer.address"] = request.peerAddress

        var propagated = HTTPHeaders()
        tracer.inject(span.context, into: &propagated, using: HeaderInjector())
        let traceparent = propagated["traceparent"]
        let ids = traceparent.flatMap { TraceParent($0) }
        var request = request
        if let ids {
            var logger = request.logger
            logger[metadataKey: "trace_id"] = .string(ids.traceID)
            logger[metadataKey: "span_id"] = .string(ids.spanID)
            request.logger = logger
        }
        var response: HTTPResponse
        do {
            response = try await InstrumentationContext.withValue(span.context) { try await next.respond(to: request) }
        } catch {
            // The error middleware inside answers every error; this is the pipeline's own net.
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
        span.attributes["http.response.status_code"] = response.status
        if response.status >= 500 {
            span.attributes["error.type"] = String(response.status)
            span.setStatus(SpanStatus(code: .error))
        }
        if let traceparent { response.headers.set("traceparent", traceparent) }
        if let ids {
            var metadata = response.logMetadata ?? [:]
            metadata["trace_id"] = .string(ids.traceID)
            metadata["span_id"] = .string(ids.spanID)
            response.logMetadata = metadata
        }
        return response
    }
}

/// Writes propagation fields into headers.
struct HeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) { headers.set(key, value) }
}
