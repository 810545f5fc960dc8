import Foundation
import HTTPKernel
import Logging

/// The validated configuration of a `conduit` process.
public struct AppConfiguration: Sendable {
    public enum Environment: String, Sendable { case development, production }
    public enum LogFormat: String, Sendable { case json, text }

    public var host = "127.0.0.1"
    public var port = 8080
    public var databaseURL = "sqlite:data/conduit.sqlite"
    public var databasePoolSize = 10
    /// SQLite reader connections; 0 until loaded means "as many as the event loops".
    public var sqliteReaders = 0
    public var databaseConnectTimeoutSeconds = 3
    public var databaseStatementTimeoutSeconds = 10
    public var jwtSecret: String
    /// Whether `jwtSecret` was generated at start-up because none was configured.
    public var jwtSecretIsEphemeral = false
    public var environment = Environment.development
    public var logLevel = Logger.Level.info
    public var logFormat = LogFormat.json
    public var eventLoops = ServerConfiguration.onlineCores
    public var maxBodyBytes = 1 << 20
    public var maxHeaderBytes = 16 << 10
    public var requestTimeoutSeconds = 10
    public var keepAliveTimeoutSeconds = 30
    public var writeTimeoutSeconds = 30
    public var maxInFlightPerLoop = 1024
    public var shutdownGraceSeconds = 10
    public var jwtTTLSeconds = 86400
    /// Former secrets, for verifying tokens issued before a rotation.
    public var jwtPreviousSecrets: [String] = []
    public var passwordHashCost = 15
    public var corsAllowedOrigins: [String] = []
    public var rateLimitAuthPerMinute = 20
    public var rateLimitPerMinute = 0
    public var trustProxy = false
    /// Cookie authentication for browser frontends (`AuthCookie`).
    public var authCookie = false
    /// Whether the kernel reports to the metrics and `GET /metrics` serves them.
    public var metricsEnabled = true
    /// Bearer token guarding `GET /metrics`; nil: open in development, 404 in production.
    public var metricsToken: String?
    /// Response compression (`CompressionMiddleware`): on, from which body size, at which level.
    public var compressionEnabled = true
    public var compressionMinBytes = 1024
    public var compressionLevel = 6
    /// OpenTelemetry tracing (`OTEL_*`); nil when no endpoint is set: tracing off.
    public var tracing: TracingSettings?
    /// What the `OTEL_*` keys say whether or not an endpoint is set (`tracing` is this when
    /// one is), so that `config check` shows what an endpoint would get.
    var otelValues = TracingSettings(endpoint: "")

    public init(jwtSecret: String) { self.jwtSecret = jwtSecret }

    /// What the kernel needs of this configuration.
    public var server: ServerConfiguration {
        var server = ServerConfiguration()
        server.host = host
        server.port = port
        server.eventLoops = eventLoops
        server.maxBodyBytes = maxBodyBytes
        server.maxHeaderBytes = maxHeaderBytes
        server.requestTimeoutSeconds = requestTimeoutSeconds
        server.keepAliveTimeoutSeconds = keepAliveTimeoutSeconds
        server.writeTimeoutSeconds = writeTimeoutSeconds
        server.maxInFlightPerLoop = maxInFlightPerLoop
        server.serverName = "conduit"
        server.errorFormat = ErrorEnvelope.format
        server.commonHeaders = SecurityHeaders.fields(production: environment == .production)
        return server
    }

    /// The effective value of every key as text, secrets masked: what `conduit config check` prints.
    public func effectiveValues() -> [(key: ConfigurationKey, value: String)] {
        ConfigurationKey.allCases.map { key in
            let value: String =
                switch key {
                case .host: host
                case .port: String(port)
                case .databaseURL: Self.maskedURL(databaseURL)
                case .databasePoolSize: String(databasePoolSize)
                case .sqliteReaders: String(sqliteReaders > 0 ? sqliteReaders : eventLoops)
                case .databaseConnectTimeoutSeconds: String(databaseConnectTimeoutSeconds)
                case .databaseStatementTimeoutSeconds: String(databaseStatementTimeoutSeconds)
                case .jwtSecret: jwtSecretIsEphemeral ? "<generated at start>" : "<set, \(jwtSecret.utf8.count) bytes>"
                case .appEnv: environment.rawValue
                case .logLevel: logLevel.rawValue
                case .logFormat: logFormat.rawValue
                case .eventLoops: String(eventLoops)
                case .maxBodyBytes: String(maxBodyBytes)
                case .maxHeaderBytes: String(maxHeaderBytes)
                case .requestTimeoutSeconds: String(requestTimeoutSeconds)
                case .keepAliveTimeoutSeconds: String(keepAliveTimeoutSeconds)
                case .writeTimeoutSeconds: String(writeTimeoutSeconds)
                case .maxInFlightPerLoop: String(maxInFlightPerLoop)
                case .shutdownGraceSeconds: String(shutdownGraceSeconds)
                case .jwtTTLSeconds: String(jwtTTLSeconds)
                case .jwtPreviousSecrets: jwtPreviousSecrets.isEmpty ? "" : "<\(jwtPreviousSecrets.count) set>"
                case .passwordHashCost: String(passwordHashCost)
                case .corsAllowedOrigins: corsAllowedOrigins.joined(separator: ",")
                case .rateLimitAuthPerMinute: String(rateLimitAuthPerMinute)
                case .rateLimitPerMinute: String(rateLimitPerMinute)
                case .trustProxy: String(trustProxy)
                case .authCookie: String(authCookie)
                case .metricsEnabled: String(metricsEnabled)
                case .metricsToken: metricsToken.map { "<set, \($0.utf8.count) bytes>" } ?? ""
                case .compressionEnabled: String(compressionEnabled)
                case .compressionMinBytes: String(compressionMinBytes)
                case .compressionLevel: String(compressionLevel)
                case .otelExporterOTLPEndpoint, .otelExporterOTLPProtocol, .otelExporterOTLPHeaders, .otelExporterOTLPTimeout, .otelServiceName,
                    .otelResourceAttributes, .otelTracesSampler, .otelTracesSamplerArg, .otelBSPScheduleDelay, .otelBSPMaxQueueSize:
                    tracingValue(key)
                }
            return (key, value)
        }
    }

    private func tracingValue(_ key: ConfigurationKey) -> String {
        let tracing = tracing ?? otelValues
        let pairs = { (pairs: [TracingSettings.Pair]) in pairs.map { "\($0.name)=\($0.value)" }.joined(separator: ",") }
        return switch key {
        case .otelExporterOTLPEndpoint: tracing.endpoint
        case .otelExporterOTLPProtocol: tracing.exportProtocol.rawValue
        case .otelExporterOTLPHeaders: tracing.headers.isEmpty ? "" : "<\(tracing.headers.count) set>"
        case .otelExporterOTLPTimeout: String(tracing.exportTimeoutMilliseconds)
        case .otelServiceName: tracing.serviceName
        case .otelResourceAttributes: pairs(tracing.resourceAttributes)
        case .otelTracesSampler: tracing.sampler.rawValue
        case .otelTracesSamplerArg: String(tracing.samplerRatio)
        case .otelBSPScheduleDelay: String(tracing.scheduleDelayMilliseconds)
        case .otelBSPMaxQueueSize: String(tracing.maxQueueSize)
        default: ""
        }
    }

    /// A database URL with its password replaced, so it can be printed and logged.
    static func maskedURL(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "****"
        return components.string ?? "<unprintable>"
    }
}
