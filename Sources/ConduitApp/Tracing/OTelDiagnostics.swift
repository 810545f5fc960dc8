import CoreMetrics
import Logging

/// swift-otel's diagnostic logger (`OTel.Configuration.diagnosticLogger`, a public setting):
/// what swift-otel reports reaches our log and metrics, never a value it took from a request.
///
/// - Lost spans. swift-otel 1.6 exposes no counter and no public span processor to wrap, but
///   its batch processor reports both kinds of loss here: counted in
///   `conduit_tracing_spans_dropped_total` (`reason="queue_full"`: the bounded queue was full;
///   `reason="export_failed"`: a batch the collector did not take) and forwarded with their
///   counts and error, none of which comes from a request.
/// - A trace context it could not extract. swift-otel 1.6's `OTelTracer.extract` logs
///   "Failed to extract span context." at warning with the parser's error (a bad
///   `tracestate`'s error holds the header's value) and `carrier` metadata, the carrier printed
///   whole: for a request's headers, every header, `Authorization` included. Counted in
///   `conduit_tracing_propagation_errors_total` and logged as a message of ours with neither.
///   ``IncomingTraceContext`` hands it only valid values, so this is a safety net.
/// - Anything else: its message alone.
///
/// The last two are logged at most once a minute each, with the number of lines held back in
/// between (`suppressed`): a client could cause them on every request. The message texts are
/// swift-otel 1.6's; `TracePropagationTests` (swift-otel's own tracer) fails if an upgrade
/// changes the extraction one, the end-to-end test of a collector that is down the export one.
struct OTelDiagnostics: LogHandler {
    static let queueFullMessage = "Spans were dropped this iteration because queue was full"
    static let exportFailedMessage = "Failed to export batch."
    static let extractFailedMessage = "Failed to extract span context."
    /// What we log instead of `extractFailedMessage` and its metadata.
    static let propagationErrorMessage = "trace context headers the tracer could not read (values not logged)"

    let forward: Logger
    let queueFull: CoreMetrics.Counter
    let exportFailed: CoreMetrics.Counter
    let propagationErrors: CoreMetrics.Counter
    let propagationThrottle: LogThrottle
    let otherThrottle: LogThrottle
    var metadata: Logger.Metadata = [:]

    init(forward: Logger, metrics: AppMetrics, interval: Duration = .seconds(60)) {
        self.forward = forward
        queueFull = metrics.counter(.tracingSpansDropped, [("reason", "queue_full")])
        exportFailed = metrics.counter(.tracingSpansDropped, [("reason", "export_failed")])
        propagationErrors = metrics.counter(.tracingPropagationErrors)
        propagationThrottle = LogThrottle(interval: interval)
        otherThrottle = LogThrottle(interval: interval)
    }

    /// Fixed at warning, whatever swift-otel asks for (`OTEL_LOG_LEVEL` included): the reports
    /// above are warnings, and the counters must not depend on a log level.
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
        let message = event.message.description
        if message == Self.queueFullMessage || message == Self.exportFailedMessage {
            let queue = message == Self.queueFullMessage
            (queue ? queueFull : exportFailed).increment(by: Self.count(fields[queue ? "dropped_count" : "batch_size"]))
            if let error = event.error { fields["error"] = .string(String(describing: error).prefix(300).description) }
            forward.log(level: event.level, event.message, metadata: fields)
        } else if message == Self.extractFailedMessage || fields["carrier"] != nil {
            // Known by its carrier too, should an upgrade reword the message.
            propagationErrors.increment()
            logThrottled(level: event.level, Self.propagationErrorMessage, by: propagationThrottle)
        } else {
            logThrottled(level: event.level, message, by: otherThrottle)
        }
    }

    /// The message and how many were held back: no metadata, no error, as either may hold a
    /// value swift-otel read from a request.
    private func logThrottled(level: Logger.Level, _ message: String, by throttle: LogThrottle) {
        guard let heldBack = throttle.admit() else { return }
        forward.log(level: level, "\(message)", metadata: ["suppressed": .stringConvertible(heldBack)])
    }

    private static func count(_ value: Logger.Metadata.Value?) -> Int {
        switch value {
        case let .string(text): Int(text) ?? 0
        case let .stringConvertible(convertible): Int(convertible.description) ?? 0
        default: 0
        }
    }
}
