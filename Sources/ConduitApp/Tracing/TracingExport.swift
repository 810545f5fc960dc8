#if OTLPExport
import Logging
import OTel
import ServiceLifecycle

/// The process's span export: swift-otel's tracer installed as the global tracer, and its
/// pipeline (bounded queue, batches, OTLP/HTTP exporter) running in a task of its own. Only
/// built when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and only in a build with the `OTLPExport` trait
/// (``SpanExports``). swift-otel's logging and metrics stay off:
/// the process keeps its own JSON log and Prometheus registry.
final class TracingExport: Sendable {
    /// How long shutdown waits for the last spans to go out before giving up on them: a
    /// collector that is down must not hold the exit.
    static let flushBudget: Duration = .seconds(3)

    private let group: ServiceGroup
    private let running: Task<Void, Never>

    private init(group: ServiceGroup, logger: Logger) {
        self.group = group
        running = Task {
            do { try await group.run() } catch { logger.warning("span export stopped", metadata: ["error": "\(error)"]) }
        }
    }

    /// Installs the tracer (`InstrumentationSystem.bootstrap`, once per process) and starts exporting.
    static func start(_ settings: TracingSettings, metrics: AppMetrics, logger: Logger) throws -> TracingExport {
        let diagnostics = Logger(label: "otel") { _ in OTelDiagnostics(forward: Logger(label: "otel"), metrics: metrics) }
        // An empty environment: every OTEL_* value comes from `settings`, which our
        // configuration layers already resolved.
        let service = try OTel.bootstrap(configuration: otelConfiguration(settings, diagnostics: diagnostics), environment: [:])
        var configuration = ServiceGroupConfiguration(services: [.init(service: service)], logger: logger)
        configuration.maximumGracefulShutdownDuration = flushBudget
        configuration.maximumCancellationDuration = .seconds(1)
        logger.notice("tracing", metadata: [
            "endpoint": "\(settings.tracesURL)", "protocol": "\(settings.exportProtocol.rawValue)",
            "sampler": "\(settings.sampler.rawValue)", "service_name": "\(settings.serviceName)",
        ])
        return TracingExport(group: ServiceGroup(configuration: configuration), logger: logger)
    }

    /// Sends what is queued and stops, within about ``flushBudget``; spans still queued then are lost.
    func shutdown() async {
        await group.triggerGracefulShutdown()
        await running.value
    }

    static func otelConfiguration(_ settings: TracingSettings, diagnostics: Logger) -> OTel.Configuration {
        var otel = OTel.Configuration.default
        otel.serviceName = settings.serviceName
        otel.resourceAttributes = Dictionary(settings.resourceAttributes.map { ($0.name, $0.value) }) { $1 }
        otel.diagnosticLogger = .custom(diagnostics)
        otel.diagnosticLogLevel = .warning
        otel.propagators = [.traceContext]
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.traces.enabled = true
        otel.traces.sampler = sampler(settings)
        otel.traces.batchSpanProcessor.scheduleDelay = .milliseconds(settings.scheduleDelayMilliseconds)
        otel.traces.batchSpanProcessor.maxQueueSize = settings.maxQueueSize
        otel.traces.batchSpanProcessor.maxExportBatchSize = min(512, settings.maxQueueSize)
        otel.traces.batchSpanProcessor.exportTimeout = .milliseconds(settings.exportTimeoutMilliseconds)
        otel.traces.exporter = .otlp
        otel.traces.otlpExporter.endpoint = settings.tracesURL
        otel.traces.otlpExporter.protocol = settings.exportProtocol == .httpJSON ? .httpJSON : .httpProtobuf
        otel.traces.otlpExporter.headers = settings.headers.map { ($0.name, $0.value) }
        otel.traces.otlpExporter.timeout = .milliseconds(settings.exportTimeoutMilliseconds)
        return otel
    }

    private static func sampler(_ settings: TracingSettings) -> OTel.Configuration.TracesConfiguration.SamplerConfiguration {
        // The ratio was checked to be in 0...1, which is all these initializers refuse.
        switch settings.sampler {
        case .alwaysOn: .alwaysOn
        case .alwaysOff: .alwaysOff
        case .traceIDRatio: .traceIDRatio(ratio: settings.samplerRatio) ?? .alwaysOn
        case .parentBasedAlwaysOn: .parentBasedAlwaysOn
        case .parentBasedAlwaysOff: .parentBasedAlwaysOff
        case .parentBasedTraceIDRatio: .parentBasedTraceIDRatio(ratio: settings.samplerRatio) ?? .parentBasedAlwaysOn
        }
    }
}

extension TracingExport: SpanExport {}
#endif
