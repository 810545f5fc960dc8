import Logging

/// What a server runs beside it to send its spans out, and stops after the HTTP server.
protocol SpanExport: Sendable {
    /// Sends what is queued and stops, within a bounded time.
    func shutdown() async
}

/// The span export this build has: swift-otel's OTLP/HTTP exporter (``TracingExport``) with the
/// `OTLPExport` package trait, none without it. The exporter and its packages (swift-otel,
/// async-http-client, swift-protobuf) are the heaviest part of the dependency graph, and tracing
/// is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set, so the default build leaves them out; the
/// configuration then refuses an endpoint (exit 78) rather than ignore it.
enum SpanExports {
    #if OTLPExport
    static let isBuiltIn = true
    #else
    static let isBuiltIn = false
    #endif

    static let notBuiltIn = "OTEL_EXPORTER_OTLP_ENDPOINT is set, but this build has no OTLP exporter: build with it, "
        + "swift build -c release --product conduit --traits OTLPExport (or CONDUIT_TRAITS=OTLPExport Scripts/run.sh; the container image has it)"

    /// Starts exporting (``TracingExport/start(_:metrics:logger:)``).
    static func start(_ settings: TracingSettings, metrics: AppMetrics, logger: Logger) throws -> any SpanExport {
        #if OTLPExport
        return try TracingExport.start(settings, metrics: metrics, logger: logger)
        #else
        throw ConfigurationError(notBuiltIn)
        #endif
    }
}
