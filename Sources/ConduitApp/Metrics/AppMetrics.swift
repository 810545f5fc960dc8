import CoreMetrics
import HTTPKernel
import Prometheus

/// Every metric the process exports, by name: docs/OPERATIONS.md lists each (a test checks).
public enum MetricName: String, CaseIterable, Sendable {
    case requests = "conduit_http_requests_total"
    case requestDuration = "conduit_http_request_duration_seconds"
    case inFlight = "conduit_http_requests_in_flight"
    case shed = "conduit_http_requests_shed_total"
    case rateLimited = "conduit_http_requests_rate_limited_total"
    case connections = "conduit_http_connections"
    case loopLag = "conduit_event_loop_lag_seconds"
    case executorQueueDepth = "conduit_executor_queue_depth"
    case dbPoolConnections = "conduit_db_pool_connections"
    case dbQueryDuration = "conduit_db_query_duration_seconds"
    case tracingSpansDropped = "conduit_tracing_spans_dropped_total"
    case tracingPropagationErrors = "conduit_tracing_propagation_errors_total"
}

/// The process's metrics: a Prometheus registry fed through swift-metrics handles that are
/// created once (or once per label set, then cached) and rendered by `GET /metrics`.
///
/// Each instance has its own registry, so tests can make as many as they like; `conduit serve`
/// also bootstraps swift-metrics' global `MetricsSystem` with the same factory, so metrics of
/// libraries that use swift-metrics land in the same output.
public final class AppMetrics: ServerObserver {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let shed: CoreMetrics.Counter
    let rateLimitedAuth: CoreMetrics.Counter
    let rateLimitedGeneral: CoreMetrics.Counter

    /// Request latency buckets: this server answers most requests in well under a millisecond.
    static let requestBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10),
    ]
    static let lagBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50),
        .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    static let queryBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .seconds(1), .seconds(5),
    ]

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            MetricName.requestDuration.rawValue: Self.requestBuckets,
            MetricName.loopLag.rawValue: Self.lagBuckets,
            MetricName.dbQueryDuration.rawValue: Self.queryBuckets,
        ]
        self.factory = factory
        shed = CoreMetrics.Counter(label: MetricName.shed.rawValue, factory: factory)
        rateLimitedAuth = CoreMetrics.Counter(label: MetricName.rateLimited.rawValue, dimensions: [("limit", "auth")], factory: factory)
        rateLimitedGeneral = CoreMetrics.Counter(
            label: MetricName.rateLimited.rawValue, dimensions: [("limit", "general")], factory: factory)
    }

    /// The metrics factory, for `MetricsSystem.bootstrap` and for other parts of the app.
    public var metricsFactory: any MetricsFactory { factory }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] { registry.emitToBuffer() }

    public func makeLoopObserver(loop: Int) -> any LoopObserver {
        MetricsLoopObserver(metrics: self, loop: loop)
    }

    func counter(_ name: MetricName, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name.rawValue, dimensions: dimensions, factory: factory)
    }

    func timer(_ name: MetricName, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: name.rawValue, dimensions: dimensions, factory: factory)
    }

    func gauge(_ name: MetricName, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name.rawValue, dimensions: dimensions, factory: factory)
    }

    /// `2xx`, `4xx`...: the status label (a bounded set, unlike raw statuses).
    static func statusClass(_ status: Int) -> String {
        switch status {
        case 100..<200: "1xx"
        case 200..<300: "2xx"
        case 300..<400: "3xx"
        case 400..<500: "4xx"
        default: "5xx"
        }
    }

    /// The route label for a response no route matched (404, 405, answers of the loop itself).
    static let unmatchedRoute = "unmatched"
}

/// One event loop's view: handles cached per (route template, method, status class) in a plain
/// dictionary, which only this loop's thread touches, so a request costs a hash lookup, an
/// atomic increment and one histogram update, and never creates a handle after warm-up.
///
/// The latency histogram also carries the `loop` label: a swift-prometheus histogram takes a
/// lock per observation, and one histogram shared by all loops would have every loop take the
/// same lock on every request (a first A/B with a shared histogram showed the same CPU per
/// request but fewer requests per second, in a noisy run). Per loop, only a scrape ever
/// competes for it. Counters are atomics and stay shared.
final class MetricsLoopObserver: LoopObserver {
    private struct Key: Hashable {
        let route: String
        let method: HTTPMethod
        let statusClass: Int
    }

    private struct Handles {
        let count: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    private let metrics: AppMetrics
    private let loop: String
    private var handles: [Key: Handles] = [:]
    private let inFlight: CoreMetrics.Gauge
    private let connections: CoreMetrics.Gauge
    private let queueDepth: CoreMetrics.Gauge
    private let lag: CoreMetrics.Timer

    init(metrics: AppMetrics, loop: Int) {
        self.metrics = metrics
        self.loop = String(loop)
        let label = [("loop", String(loop))]
        inFlight = metrics.gauge(.inFlight, label)
        connections = metrics.gauge(.connections, label)
        queueDepth = metrics.gauge(.executorQueueDepth, label)
        lag = metrics.timer(.loopLag, label)
    }

    func responded(method: HTTPMethod, route: String?, status: Int, durationNanoseconds: UInt64) {
        let key = Key(route: route ?? AppMetrics.unmatchedRoute, method: method, statusClass: min(5, max(1, status / 100)))
        let entry: Handles
        if let cached = handles[key] {
            entry = cached
        } else {
            let dimensions = [("method", method.rawValue), ("route", key.route), ("status", AppMetrics.statusClass(status))]
            entry = Handles(
                count: metrics.counter(.requests, dimensions), duration: metrics.timer(.requestDuration, dimensions + [("loop", loop)]))
            handles[key] = entry
        }
        entry.count.increment()
        entry.duration.recordNanoseconds(Int64(clamping: durationNanoseconds))
    }

    func shed() { metrics.shed.increment() }

    func sampled(_ sample: LoopSample) {
        lag.recordNanoseconds(Int64(clamping: sample.lagNanoseconds))
        queueDepth.record(sample.executorQueueDepth)
        inFlight.record(sample.inFlight)
        connections.record(sample.connections)
    }
}
