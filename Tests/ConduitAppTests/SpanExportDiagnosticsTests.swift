import Logging
import Testing

@testable import ConduitApp

/// swift-otel's reports of lost spans become `conduit_tracing_spans_dropped_total`.
@Suite("Span export diagnostics")
struct SpanExportDiagnosticsTests {
    func value(_ metrics: AppMetrics, _ reason: String) -> Double? {
        let text = String(decoding: metrics.render(), as: UTF8.self)
        let series = #"conduit_tracing_spans_dropped_total{reason="\#(reason)"} "#
        return text.split(separator: "\n").first { $0.hasPrefix(series) }.flatMap { Double($0.dropFirst(series.count)) }
    }

    @Test("counts a full queue's drops and a failed batch's spans, wherever swift-otel puts the count")
    func counts() {
        let metrics = AppMetrics()
        var logger = Logger(label: "otel") { _ in SpanExportDiagnostics(forward: Logger(label: "test"), metrics: metrics) }
        #expect(value(metrics, "queue_full") == 0 && value(metrics, "export_failed") == 0)
        logger.warning("\(SpanExportDiagnostics.queueFullMessage)", metadata: ["dropped_count": "5"])
        logger[metadataKey: "batch_size"] = "17"  // swift-otel sets it on the logger, not the call
        logger.warning("\(SpanExportDiagnostics.exportFailedMessage)")
        logger.warning("Something else.", metadata: ["dropped_count": "100"])
        #expect(value(metrics, "queue_full") == 5)
        #expect(value(metrics, "export_failed") == 17)
    }

    @Test("counts whatever log level swift-otel asks its logger for")
    func levelIndependent() {
        let metrics = AppMetrics()
        var logger = Logger(label: "otel") { _ in SpanExportDiagnostics(forward: Logger(label: "test"), metrics: metrics) }
        logger.logLevel = .critical
        logger.warning("\(SpanExportDiagnostics.exportFailedMessage)", metadata: ["batch_size": "3"])
        #expect(value(metrics, "export_failed") == 3)
    }
}
