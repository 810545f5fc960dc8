import Foundation

/// Every configuration key, its default and what it means: the one table the loader, the
/// validation, `conduit config check`, config/conduit.example.json and .env.example follow.
///
/// A key is spelled the same everywhere: `MAX_BODY_BYTES` in the environment, in `.env` and in
/// `config/conduit.json`, and `--max-body-bytes` on the command line.
public enum ConfigurationKey: String, CaseIterable, Sendable {
    case host = "HOST"
    case port = "PORT"
    case databaseURL = "DATABASE_URL"
    case databasePoolSize = "DATABASE_POOL_SIZE"
    case sqliteReaders = "SQLITE_READERS"
    case databaseConnectTimeoutSeconds = "DATABASE_CONNECT_TIMEOUT_SECONDS"
    case databaseStatementTimeoutSeconds = "DATABASE_STATEMENT_TIMEOUT_SECONDS"
    case jwtSecret = "JWT_SECRET"
    case appEnv = "APP_ENV"
    case logLevel = "LOG_LEVEL"
    case logFormat = "LOG_FORMAT"
    case eventLoops = "EVENT_LOOPS"
    case maxBodyBytes = "MAX_BODY_BYTES"
    case maxHeaderBytes = "MAX_HEADER_BYTES"
    case requestTimeoutSeconds = "REQUEST_TIMEOUT_SECONDS"
    case keepAliveTimeoutSeconds = "KEEP_ALIVE_TIMEOUT_SECONDS"
    case writeTimeoutSeconds = "WRITE_TIMEOUT_SECONDS"
    case maxInFlightPerLoop = "MAX_IN_FLIGHT_PER_LOOP"
    case shutdownGraceSeconds = "SHUTDOWN_GRACE_SECONDS"
    case jwtTTLSeconds = "JWT_TTL_SECONDS"
    case jwtPreviousSecrets = "JWT_PREVIOUS_SECRETS"
    case passwordHashCost = "PASSWORD_HASH_COST"
    case corsAllowedOrigins = "CORS_ALLOWED_ORIGINS"
    case rateLimitAuthPerMinute = "RATE_LIMIT_AUTH_PER_MINUTE"
    case rateLimitPerMinute = "RATE_LIMIT_PER_MINUTE"
    case trustProxy = "TRUST_PROXY"
    case authCookie = "AUTH_COOKIE"
    case metricsEnabled = "METRICS_ENABLED"
    case metricsToken = "METRICS_TOKEN"
    case compressionEnabled = "COMPRESSION_ENABLED"
    case compressionMinBytes = "COMPRESSION_MIN_BYTES"
    case compressionLevel = "COMPRESSION_LEVEL"
    case otelExporterOTLPEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT"
    case otelExporterOTLPProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL"
    case otelExporterOTLPHeaders = "OTEL_EXPORTER_OTLP_HEADERS"
    case otelExporterOTLPTimeout = "OTEL_EXPORTER_OTLP_TIMEOUT"
    case otelServiceName = "OTEL_SERVICE_NAME"
    case otelResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES"
    case otelTracesSampler = "OTEL_TRACES_SAMPLER"
    case otelTracesSamplerArg = "OTEL_TRACES_SAMPLER_ARG"
    case otelBSPScheduleDelay = "OTEL_BSP_SCHEDULE_DELAY"
    case otelBSPMaxQueueSize = "OTEL_BSP_MAX_QUEUE_SIZE"

    /// The key as swift-configuration reads it: `MAX_BODY_BYTES` is `max.body.bytes`, which its
    /// environment provider spells `MAX_BODY_BYTES` and its command-line provider `--max-body-bytes`.
    public var readerKey: String { rawValue.lowercased().replacingOccurrences(of: "_", with: ".") }

    public var commandLineFlag: String { "--" + rawValue.lowercased().replacingOccurrences(of: "_", with: "-") }

    public var isSecret: Bool {
        self == .jwtSecret || self == .jwtPreviousSecrets || self == .databaseURL || self == .metricsToken
            || self == .otelExporterOTLPHeaders
    }

    /// The default as text, or nil when there is none (a secret, or derived at start-up).
    public var defaultValue: String? {
        switch self {
        case .host: "127.0.0.1"
        case .port: "8080"
        case .databaseURL: "sqlite:data/conduit.sqlite"
        case .databasePoolSize: "10"
        case .sqliteReaders: nil
        case .databaseConnectTimeoutSeconds: "3"
        case .databaseStatementTimeoutSeconds: "10"
        case .jwtSecret: nil
        case .appEnv: "development"
        case .logLevel: "info"
        case .logFormat: "json"
        case .eventLoops: nil
        case .maxBodyBytes: "1048576"
        case .maxHeaderBytes: "16384"
        case .requestTimeoutSeconds: "10"
        case .keepAliveTimeoutSeconds: "30"
        case .writeTimeoutSeconds: "30"
        case .maxInFlightPerLoop: "1024"
        case .shutdownGraceSeconds: "10"
        case .jwtTTLSeconds: "86400"
        case .jwtPreviousSecrets: ""
        case .passwordHashCost: "15"
        case .corsAllowedOrigins: ""
        case .rateLimitAuthPerMinute: "20"
        case .rateLimitPerMinute: "0"
        case .trustProxy: "false"
        case .authCookie: "false"
        case .metricsEnabled: "true"
        case .metricsToken: ""
        case .compressionEnabled: "true"
        case .compressionMinBytes: "1024"
        case .compressionLevel: "6"
        case .otelExporterOTLPEndpoint: ""
        case .otelExporterOTLPProtocol: "http/protobuf"
        case .otelExporterOTLPHeaders: ""
        case .otelExporterOTLPTimeout: "10000"
        case .otelServiceName: "conduit"
        case .otelResourceAttributes: ""
        case .otelTracesSampler: "parentbased_always_on"
        case .otelTracesSamplerArg: "1.0"
        case .otelBSPScheduleDelay: "5000"
        case .otelBSPMaxQueueSize: "2048"
        }
    }

    public var summary: String {
        switch self {
        case .host: "Address to listen on; 0.0.0.0 or :: in a container."
        case .port: "TCP port; 0 picks a free one (logged at start)."
        case .databaseURL: "sqlite:PATH (the default, under ./data/) or postgres://user:pass@host:5432/db (also postgresql://, ?sslmode=disable|prefer|require)."
        case .databasePoolSize: "PostgreSQL: connections this instance may open for requests (its pool), plus one that listens for session endings. Instances x (pool size + 1) must stay under the server's max_connections."
        case .sqliteReaders: "SQLite: reader connections, each on its own thread, beside the one writer; default as many as EVENT_LOOPS."
        case .databaseConnectTimeoutSeconds: "PostgreSQL: seconds a request waits for a pooled connection (or a new one) before failing with 503; keep it short so an outage fails fast."
        case .databaseStatementTimeoutSeconds: "PostgreSQL: statement_timeout for every connection, in seconds."
        case .jwtSecret: "HS256 signing secret. Required in production, at least 32 bytes; in development a random one is made per start."
        case .appEnv: "development or production. Production refuses weak secrets."
        case .logLevel: "trace, debug, info, notice, warning, error or critical."
        case .logFormat: "json (one object per line on stdout) or text."
        case .eventLoops: "Event loops (threads accepting and parsing HTTP); default one per CPU core."
        case .maxBodyBytes: "Largest request body; larger ones get 413."
        case .maxHeaderBytes: "Largest request head (request line and headers); larger ones get 431."
        case .requestTimeoutSeconds: "Seconds a request may take to arrive in full from its first byte (slowloris defence)."
        case .keepAliveTimeoutSeconds: "Seconds an idle keep-alive connection stays open."
        case .writeTimeoutSeconds: "Seconds a connection may make no read or write progress."
        case .maxInFlightPerLoop: "Requests one event loop handles at once; past it, 503 with Retry-After (load shedding)."
        case .shutdownGraceSeconds: "On SIGTERM/SIGINT, seconds in-flight requests get to finish."
        case .jwtTTLSeconds: "Lifetime of an issued token (exp - iat), in seconds."
        case .jwtPreviousSecrets: "Comma-separated former JWT secrets: tokens they signed still verify (never used to sign). For key rotation."
        case .passwordHashCost: "scrypt cost as log2(N) (r=8, p=1): 15 uses 32 MiB and tens of ms per hash. Raising it rehashes passwords at their next login."
        case .corsAllowedOrigins: "Comma-separated browser origins allowed to call the API (https://app.example.com); * allows any, outside production only. Empty: no cross-origin access."
        case .rateLimitAuthPerMinute: "Registrations and logins per client IP per minute; 0 turns the limit off."
        case .rateLimitPerMinute: "Requests per client IP per minute on every other route; 0 (the default) is off."
        case .trustProxy: "true only behind a reverse proxy: the client IP is then the right-most X-Forwarded-For hop."
        case .authCookie: "true for browser frontends: login also sets the token in an HttpOnly cookie that is accepted as auth; writes it authenticates need an Origin from CORS_ALLOWED_ORIGINS."
        case .metricsEnabled: "false turns metrics off: the kernel reports nothing and GET /metrics answers 404."
        case .metricsToken: "When set, GET /metrics requires Authorization: Bearer <token>. Empty: /metrics is open in development and 404 in production."
        case .compressionEnabled: "true: bodies of text and JSON types are gzip- or deflate-coded for clients that send Accept-Encoding; false: never."
        case .compressionMinBytes: "Smallest body worth compressing, in bytes; smaller ones go out as they are."
        case .compressionLevel: "zlib level, 1 (fastest) to 9 (smallest)."
        case .otelExporterOTLPEndpoint: "OpenTelemetry collector base URL (http://collector:4318): traces are exported by OTLP/HTTP to <url>/v1/traces. Empty (the default): tracing off."
        case .otelExporterOTLPProtocol: "http/protobuf or http/json (gRPC is not built in)."
        case .otelExporterOTLPHeaders: "Headers sent with every export, name=value pairs separated by commas (an API key for the collector)."
        case .otelExporterOTLPTimeout: "Milliseconds one export may take (connecting included) before its spans are counted lost."
        case .otelServiceName: "service.name of every span."
        case .otelResourceAttributes: "More resource attributes, key=value pairs separated by commas (deployment.environment=prod)."
        case .otelTracesSampler: "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio."
        case .otelTracesSamplerArg: "The ratio (0 to 1) of the traceidratio samplers."
        case .otelBSPScheduleDelay: "Milliseconds between two exports of finished spans."
        case .otelBSPMaxQueueSize: "Finished spans waiting for export at most; past it spans are dropped (conduit_tracing_spans_dropped_total), never requests slowed."
        }
    }
}
