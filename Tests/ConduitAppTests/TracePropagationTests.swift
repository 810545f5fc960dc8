// The OTLP exporter is in the build only with the OTLPExport trait (Scripts/test.sh builds with it).
#if OTLPExport
import HTTPKernel
import HTTPTestSupport
import Instrumentation
import Logging
import OTel
import Testing
import Tracing

@testable import ConduitApp

/// The tracing middleware with swift-otel's own tracer (its W3C propagator and sampler, as
/// conduit configures them, exporting nowhere): what it makes of every header shape, and what
/// reaches the log. Exported spans are checked end to end (`TracingTests`).
@Suite("Trace context propagation")
struct TracePropagationTests {
    static let secret = "eyJhbGciOiJIUzI1NiJ9.propagation-secret-91d4.c2lnbmF0dXJl"

    /// swift-otel's tracer, its diagnostics logged through `diagnostics`.
    static func otelTracer(diagnostics: Logger) throws -> any Tracer {
        var configuration = TracingExport.otelConfiguration(TracingSettings(endpoint: "http://127.0.0.1:9"), diagnostics: diagnostics)
        configuration.traces.exporter = .none
        return try OTel.makeTracingBackend(configuration: configuration).factory
    }

    @Test("continues the caller's trace only with a valid traceparent, whatever the tracestate; logs nothing of the headers",
        arguments: TraceContextCase.all(secret: secret))
    func shapes(_ shape: TraceContextCase) async throws {
        let metrics = AppMetrics()
        let lines = RecordingLogHandler.Lines()
        let diagnostics = Logger(label: "otel") { _ in
            OTelDiagnostics(forward: RecordingLogHandler.logger("otel", into: lines), metrics: metrics)
        }
        var router = Router()
        router.get("/api/things/:id") { request in
            request.logger.info("handled")
            return HTTPResponse(status: 200)
        }
        let pipeline = RoutedPipeline([TracingMiddleware(tracer: try Self.otelTracer(diagnostics: diagnostics)), ErrorMiddleware()], router: router)
        let headers = HTTPHeaders(shape.fields + [(name: "Authorization", value: "Token \(Self.secret)")])
        let response = try await pipeline.respond(to: HTTPRequest(
            method: .get, path: "/api/things/1", headers: headers, peerAddress: "10.1.2.3", requestID: "r1",
            logger: RecordingLogHandler.logger("request", into: lines)))

        let answered = try #require(response.headers["traceparent"].flatMap { TraceParent($0) })
        if shape.continues {
            #expect(answered.traceID == TraceContextCase.traceID && answered.spanID != TraceContextCase.spanID)
        } else {
            #expect(answered.traceID != TraceContextCase.traceID)
        }
        // swift-otel parsed what it was handed (a refusal would be logged and counted).
        #expect(lines.all.count == 1 && lines.all[0].contains("handled") && lines.all[0].contains(answered.traceID), "\(lines.all)")
        #expect(!lines.all.contains { $0.contains("propagation-secret") })
        let rendered = String(decoding: metrics.render(), as: UTF8.self)
        #expect(rendered.contains("conduit_tracing_propagation_errors_total 0"))
    }

    /// What the middleware did before: the request's headers handed to swift-otel as they came.
    struct RawHeaders: Extractor {
        func extract(key: String, from headers: HTTPHeaders) -> String? { headers[key] }
    }

    static let leakyShapes: [HTTPHeaders] = [
        ["traceparent": "ff-\(TraceContextCase.traceID)-\(TraceContextCase.spanID)-01", "Authorization": "Token \(secret)"],
        ["traceparent": "00-\(TraceContextCase.traceID)-\(TraceContextCase.spanID)-01", "tracestate": "FOO=1", "Authorization": "Token \(secret)"],
    ]

    @Test("swift-otel 1.6 given raw headers logs them all, Authorization included, and loses a valid traceparent over a bad tracestate")
    func rawHeadersLeak() throws {
        let lines = RecordingLogHandler.Lines()
        let tracer = try Self.otelTracer(diagnostics: RecordingLogHandler.logger("otel", into: lines))
        for headers in Self.leakyShapes {
            var context = InstrumentationContext.topLevel
            tracer.extract(headers, into: &context, using: RawHeaders())
            var propagated = HTTPHeaders()
            tracer.inject(context, into: &propagated, using: HeaderInjector())
            #expect(propagated["traceparent"] == nil, "nothing extracted")
        }
        #expect(lines.all.count == 2)
        #expect(lines.all.allSatisfy { $0.contains(OTelDiagnostics.extractFailedMessage) && $0.contains("carrier") && $0.contains("propagation-secret") })
    }

    @Test("the diagnostics logger keeps those reports out of the log: counted, logged once a minute, no value")
    func rawHeadersContained() throws {
        let metrics = AppMetrics()
        let lines = RecordingLogHandler.Lines()
        let diagnostics = Logger(label: "otel") { _ in
            OTelDiagnostics(forward: RecordingLogHandler.logger("otel", into: lines), metrics: metrics)
        }
        let tracer = try Self.otelTracer(diagnostics: diagnostics)
        for headers in Self.leakyShapes + Self.leakyShapes {
            var context = InstrumentationContext.topLevel
            tracer.extract(headers, into: &context, using: RawHeaders())
        }
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains("conduit_tracing_propagation_errors_total 4"))
        #expect(lines.all.count == 1 && lines.all[0].contains(OTelDiagnostics.propagationErrorMessage), "\(lines.all)")
        #expect(!lines.all.contains { $0.contains("propagation-secret") || $0.contains("Authorization") || $0.contains("FOO") })
    }
}
#endif
