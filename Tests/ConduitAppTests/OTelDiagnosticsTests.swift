import Logging
import Synchronization
import Testing

@testable import ConduitApp

/// swift-otel's diagnostics: lost spans counted, anything it may have read from a request
/// counted and logged without values, at most once per interval.
@Suite("OTel diagnostics")
struct OTelDiagnosticsTests {
    static let secret = "Token eyJhbGciOiJIUzI1NiJ9.diagnostics-secret-3e7a.c2ln"

    func value(_ metrics: AppMetrics, _ series: String) -> Double? {
        let text = String(decoding: metrics.render(), as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    func diagnostics(_ metrics: AppMetrics, _ lines: RecordingLogHandler.Lines, interval: Duration = .seconds(60)) -> Logger {
        Logger(label: "otel") { _ in OTelDiagnostics(forward: RecordingLogHandler.logger("otel", into: lines), metrics: metrics, interval: interval) }
    }

    @Test("counts a full queue's drops and a failed batch's spans, wherever swift-otel puts the count")
    func counts() {
        let metrics = AppMetrics()
        var logger = diagnostics(metrics, RecordingLogHandler.Lines())
        #expect(value(metrics, #"conduit_tracing_spans_dropped_total{reason="queue_full"}"#) == 0)
        #expect(value(metrics, #"conduit_tracing_spans_dropped_total{reason="export_failed"}"#) == 0)
        logger.warning("\(OTelDiagnostics.queueFullMessage)", metadata: ["dropped_count": "5"])
        logger[metadataKey: "batch_size"] = "17"  // swift-otel sets it on the logger, not the call
        logger.warning("\(OTelDiagnostics.exportFailedMessage)")
        logger.warning("Something else.", metadata: ["dropped_count": "100"])
        #expect(value(metrics, #"conduit_tracing_spans_dropped_total{reason="queue_full"}"#) == 5)
        #expect(value(metrics, #"conduit_tracing_spans_dropped_total{reason="export_failed"}"#) == 17)
    }

    @Test("counts whatever log level swift-otel asks its logger for")
    func levelIndependent() {
        let metrics = AppMetrics()
        var logger = diagnostics(metrics, RecordingLogHandler.Lines())
        logger.logLevel = .critical
        logger.warning("\(OTelDiagnostics.exportFailedMessage)", metadata: ["batch_size": "3"])
        #expect(value(metrics, #"conduit_tracing_spans_dropped_total{reason="export_failed"}"#) == 3)
    }

    @Test("a failed extraction, by its message or by its carrier: counted, logged once per interval as our message, no value")
    func extractionFailures() {
        let metrics = AppMetrics()
        let lines = RecordingLogHandler.Lines()
        let logger = diagnostics(metrics, lines)
        struct ParseError: Error { let headerValue = OTelDiagnosticsTests.secret }
        for _ in 0..<3 {
            logger.warning("\(OTelDiagnostics.extractFailedMessage)", error: ParseError(), metadata: ["carrier": "\(Self.secret)"])
        }
        logger.warning("Reworded in a later version.", metadata: ["carrier": "\(Self.secret)"])
        #expect(value(metrics, "conduit_tracing_propagation_errors_total") == 4)
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains(OTelDiagnostics.propagationErrorMessage) == true)
        #expect(lines.all.first?.contains(#"["suppressed": 0]"#) == true)
        #expect(!lines.all.contains { $0.contains("diagnostics-secret") })
    }

    @Test("any other report: its message alone, throttled apart from extraction failures")
    func otherReports() {
        let metrics = AppMetrics()
        let lines = RecordingLogHandler.Lines()
        let logger = diagnostics(metrics, lines)
        logger.warning("Force flush failed.", error: CancellationError(), metadata: ["detail": "\(Self.secret)"])
        logger.warning("Force flush failed.")
        logger.warning("\(OTelDiagnostics.extractFailedMessage)", metadata: ["carrier": "\(Self.secret)"])
        #expect(lines.all.count == 2)
        #expect(lines.all.first?.contains("Force flush failed.") == true)
        #expect(!lines.all.contains { $0.contains("diagnostics-secret") || $0.contains("CancellationError") })
        #expect(value(metrics, "conduit_tracing_propagation_errors_total") == 1)
    }

    @Test("the throttle lets one line through per interval and counts the rest")
    func throttle() {
        let start = ContinuousClock.now
        let clock = Clock(start)
        let throttle = LogThrottle(interval: .seconds(60)) { clock.now }
        #expect(throttle.admit() == 0)
        #expect(throttle.admit() == nil && throttle.admit() == nil)
        clock.now = start + .seconds(59)
        #expect(throttle.admit() == nil)
        clock.now = start + .seconds(60)
        #expect(throttle.admit() == 3)
        #expect(throttle.admit() == nil)
        clock.now = start + .seconds(200)
        #expect(throttle.admit() == 1)
    }

    /// A clock the test moves.
    final class Clock: Sendable {
        private let instant: Mutex<ContinuousClock.Instant>
        init(_ now: ContinuousClock.Instant) { instant = Mutex(now) }
        var now: ContinuousClock.Instant {
            get { instant.withLock { $0 } }
            set { instant.withLock { $0 = newValue } }
        }
    }
}
