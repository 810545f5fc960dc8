import CoreMetrics
import Logging

/// swift-otel's diagnostic log, read for the spans it loses: swift-otel 1.6 exposes no counter
/// and no public span processor protocol to wrap, but its batch processor reports both kinds of
/// loss in this log, and the diagnostic logger is a public setting. The counts go to
/// `conduit_tracing_spans_dropped_total` (`reason="queue_full"`: the bounded queue was full;
/// `reason="export_failed"`: a batch the collector did not take), and the lines to our log.
///
/// The message texts are swift-otel 1.6's; `TracingExportTests` ("a closed collector port
/// counts drops") fails if an upgrade changes them.
struct SpanExportDiagnostics: LogHandler {
    static let queueFullMessage = "Spans were dropped this iteration because queue was full"
    static let exportFailedMessage = "Failed to export batch."

    let forward: Logger
    let queueFull: CoreMetrics.Counter
    let exportFailed: CoreMetrics.Counter
    var metadata: Logger.Metadata = [:]

    init(forward: Logger, metrics: AppMetrics) {
        self.forward = forward
        queueFull = metrics.counter(.tracingSpansDropped, [("reason", "queue_full")])
        exportFailed = metrics.counter(.tracingSpansDropped, [("reason", "export_failed")])
    }

    /// Fixed at warning, whatever swift-otel asks for (`OTEL_LOG_LEVEL` included): both
    /// reports are warnings, and the counters must not depend on a log level.
    var logLevel: Logger.Level {
        get { .warning }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        switch event.message.description {
        case Self.queueFullMessage: queueFull.increment(by: Self.count(fields["dropped_count"]))
        case Self.exportFailedMessage: exportFailed.increment(by: Self.count(fields["batch_size"]))
        default: break
        }
        if let error = event.error { fields["error"] = .string(String(describing: error).prefix(300).description) }
        forward.log(level: event.level, event.message, metadata: fields)
    }

    private static func count(_ value: Logger.Metadata.Value?) -> Int {
        switch value {
        case let .string(text): Int(text) ?? 0
        case let .stringConvertible(convertible): Int(convertible.description) ?? 0
        default: 0
        }
    }
}
