import Configuration
import Foundation
import HTTPKernel
import Logging
import SystemPackage

/// A configuration that cannot be used; its description is the one line printed before exiting.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Loads the configuration through swift-configuration, highest precedence first:
/// command line > environment > `.env` > `config/conduit.json` > defaults.
public enum ConfigurationLoader {
    /// Where the configuration comes from; tests pass their own.
    public struct Sources: Sendable {
        /// Overrides such as `["--port", "9000"]` (no program name).
        public var arguments: [String]
        public var environment: [String: String]
        /// The `.env` file; missing is fine.
        public var dotEnvPath: String
        /// The JSON file; missing is fine unless `CONFIG_FILE` named it explicitly.
        public var configFilePath: String
        public var configFileRequired: Bool

        public init(
            arguments: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
            dotEnvPath: String? = nil, configFilePath: String? = nil
        ) {
            self.arguments = arguments
            self.environment = environment
            self.dotEnvPath = dotEnvPath ?? environment["ENV_FILE"] ?? ".env"
            let explicit = configFilePath ?? environment["CONFIG_FILE"]
            self.configFilePath = explicit ?? "config/conduit.json"
            configFileRequired = explicit != nil
        }
    }

    public static func load(_ sources: Sources = Sources()) async throws(ConfigurationError) -> AppConfiguration {
        let reader = try await makeReader(sources)
        return try read(reader)
    }

    static func makeReader(_ sources: Sources) async throws(ConfigurationError) -> ConfigReader {
        let secrets = Set(ConfigurationKey.allCases.filter(\.isSecret).map(\.rawValue))
        let dotEnv: EnvironmentVariablesProvider
        let file: any ConfigProvider
        do {
            dotEnv = try await EnvironmentVariablesProvider(
                environmentFilePath: FilePath(sources.dotEnvPath), allowMissing: true,
                secretsSpecifier: .specific(secrets))
        } catch {
            throw ConfigurationError("cannot read \(sources.dotEnvPath): \(oneLine(error))")
        }
        do {
            // The JSON file uses the environment spelling (`"MAX_BODY_BYTES": 1048576`), so
            // every key reads the same wherever it is set.
            file = try await FileProvider<JSONSnapshot>(
                parsingOptions: .init(secretsSpecifier: .specific(secrets)),
                filePath: FilePath(sources.configFilePath), allowMissing: !sources.configFileRequired
            ).mapKeys { key in
                AbsoluteConfigKey([key.components.joined(separator: "_").uppercased()], context: key.context)
            }
        } catch {
            throw ConfigurationError("cannot read \(sources.configFilePath): \(oneLine(error))")
        }
        return ConfigReader(providers: [
            CommandLineArgumentsProvider(
                arguments: ["conduit"] + sources.arguments,
                secretsSpecifier: .specific(Set(ConfigurationKey.allCases.filter(\.isSecret).map(\.commandLineFlag)))),
            EnvironmentVariablesProvider(environmentVariables: sources.environment, secretsSpecifier: .specific(secrets)),
            dotEnv,
            file,
        ])
    }

    static func read(_ reader: ConfigReader) throws(ConfigurationError) -> AppConfiguration {
        let values = Values(reader: reader)
        let environment = try values.choice(.appEnv, AppConfiguration.Environment.init(rawValue:), "development or production")
        let secret = values.string(.jwtSecret)
        var configuration = AppConfiguration(jwtSecret: try JWTSecretPolicy.resolve(secret, environment: environment))
        configuration.jwtSecretIsEphemeral = secret == nil || secret?.isEmpty == true
        configuration.environment = environment
        configuration.host = try values.host()
        configuration.port = try values.integer(.port, in: 0...65535)
        configuration.databaseURL = try values.databaseURL()
        configuration.databasePoolSize = try values.integer(.databasePoolSize, in: 1...1000)
        configuration.databaseConnectTimeoutSeconds = try values.integer(.databaseConnectTimeoutSeconds, in: 1...300)
        configuration.databaseStatementTimeoutSeconds = try values.integer(.databaseStatementTimeoutSeconds, in: 1...3600)
        configuration.logLevel = try values.choice(.logLevel, Logger.Level.init(rawValue:), "trace, debug, info, notice, warning, error or critical")
        configuration.logFormat = try values.choice(.logFormat, AppConfiguration.LogFormat.init(rawValue:), "json or text")
        configuration.eventLoops = try values.integer(.eventLoops, in: 1...256, default: ServerConfiguration.onlineCores)
        configuration.sqliteReaders = try values.integer(.sqliteReaders, in: 1...256, default: configuration.eventLoops)
        configuration.maxBodyBytes = try values.integer(.maxBodyBytes, in: 1...(1 << 30))
        configuration.maxHeaderBytes = try values.integer(.maxHeaderBytes, in: 1024...(1 << 20))
        configuration.requestTimeoutSeconds = try values.integer(.requestTimeoutSeconds, in: 1...3600)
        configuration.keepAliveTimeoutSeconds = try values.integer(.keepAliveTimeoutSeconds, in: 1...3600)
        configuration.writeTimeoutSeconds = try values.integer(.writeTimeoutSeconds, in: 1...3600)
        configuration.maxInFlightPerLoop = try values.integer(.maxInFlightPerLoop, in: 1...1_000_000)
        configuration.shutdownGraceSeconds = try values.integer(.shutdownGraceSeconds, in: 0...3600)
        configuration.jwtTTLSeconds = try values.integer(.jwtTTLSeconds, in: 60...(30 * 86400))
        configuration.jwtPreviousSecrets = try (values.string(.jwtPreviousSecrets) ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { secret throws(ConfigurationError) in
                guard environment != .production || secret.utf8.count >= JWTSecretPolicy.minimumBytes else {
                    throw ConfigurationError("JWT_PREVIOUS_SECRETS entries must be at least \(JWTSecretPolicy.minimumBytes) bytes when APP_ENV=production")
                }
                return secret
            }
        configuration.passwordHashCost = try values.integer(.passwordHashCost, in: 10...20)
        configuration.corsAllowedOrigins = try values.origins(environment: environment)
        configuration.rateLimitAuthPerMinute = try values.integer(.rateLimitAuthPerMinute, in: 0...1_000_000)
        configuration.rateLimitPerMinute = try values.integer(.rateLimitPerMinute, in: 0...100_000_000)
        configuration.trustProxy = try values.choice(.trustProxy, Values.boolean, "true or false")
        configuration.authCookie = try values.choice(.authCookie, Values.boolean, "true or false")
        if configuration.authCookie {
            // The CSRF defence of cookie mode is the list of origins allowed to write.
            guard !configuration.corsAllowedOrigins.isEmpty, !configuration.corsAllowedOrigins.contains("*") else {
                throw ConfigurationError("AUTH_COOKIE=true needs CORS_ALLOWED_ORIGINS to list the frontend origins (not *): only they may send cookie-authenticated writes")
            }
        }
        configuration.metricsEnabled = try values.choice(.metricsEnabled, Values.boolean, "true or false")
        configuration.metricsToken = try values.metricsToken(environment: environment)
        configuration.compressionEnabled = try values.choice(.compressionEnabled, Values.boolean, "true or false")
        configuration.compressionMinBytes = try values.integer(.compressionMinBytes, in: 0...(1 << 30))
        configuration.compressionLevel = try values.integer(.compressionLevel, in: 1...9)
        configuration.otelValues = try values.tracing()
        configuration.tracing = try Self.tracing(configuration.otelValues, exporterBuiltIn: SpanExports.isBuiltIn)
        return configuration
    }

    /// The tracing settings when an endpoint is set (nil: tracing off); an endpoint on a build
    /// without the exporter is an error, not a silent no-op.
    static func tracing(_ values: TracingSettings, exporterBuiltIn: Bool) throws(ConfigurationError) -> TracingSettings? {
        guard !values.endpoint.isEmpty else { return nil }
        guard exporterBuiltIn else { throw ConfigurationError(SpanExports.notBuiltIn) }
        return values
    }

    /// Typed reads with one-line errors that name the key and the offending value.
    private struct Values {
        let reader: ConfigReader

        func string(_ key: ConfigurationKey) -> String? {
            reader.string(forKey: Configuration.ConfigKey(key.readerKey), isSecret: key.isSecret)
        }

        func integer(_ key: ConfigurationKey, in range: ClosedRange<Int>, default fallback: Int? = nil) throws(ConfigurationError) -> Int {
            // swift-configuration answers nil both for "not set" and for "not an integer";
            // the raw text tells the two apart.
            let parsed = reader.int(forKey: Configuration.ConfigKey(key.readerKey), isSecret: key.isSecret)
            if let raw = raw(key), parsed == nil {
                throw ConfigurationError("\(key.rawValue) must be an integer in \(range.lowerBound)...\(range.upperBound), got \(quoted(raw))")
            }
            guard let value = parsed ?? fallback ?? key.defaultValue.flatMap(Int.init) else {
                throw ConfigurationError("\(key.rawValue) is required")
            }
            guard range.contains(value) else {
                throw ConfigurationError("\(key.rawValue) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
            }
            return value
        }

        static func boolean(_ text: String) -> Bool? {
            ["true": true, "1": true, "yes": true, "false": false, "0": false, "no": false][text]
        }

        func choice<T>(_ key: ConfigurationKey, _ make: (String) -> T?, _ allowed: String) throws(ConfigurationError) -> T {
            let text = string(key) ?? key.defaultValue ?? ""
            guard let value = make(text.lowercased()) else {
                throw ConfigurationError("\(key.rawValue) must be \(allowed), got \(quoted(text))")
            }
            return value
        }

        func host() throws(ConfigurationError) -> String {
            let host = string(.host) ?? ConfigurationKey.host.defaultValue!
            let allowed = host.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || ".-:".unicodeScalars.contains($0) }
            guard !host.isEmpty, host.count <= 253, allowed else {
                throw ConfigurationError("HOST must be an IP address or host name, got \(quoted(host))")
            }
            return host
        }

        func databaseURL() throws(ConfigurationError) -> String {
            let url = string(.databaseURL) ?? ConfigurationKey.databaseURL.defaultValue!
            _ = try DatabaseLocation(url: url)
            return url
        }

        /// Empty means none; a set token must be printable ASCII without spaces (it travels in
        /// a header) and, in production, at least 16 bytes.
        func metricsToken(environment: AppConfiguration.Environment) throws(ConfigurationError) -> String? {
            guard let token = string(.metricsToken), !token.isEmpty else { return nil }
            guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ConfigurationError("METRICS_TOKEN must be printable ASCII without spaces")
            }
            if environment == .production, token.utf8.count < 16 {
                throw ConfigurationError("METRICS_TOKEN must be at least 16 bytes when APP_ENV=production")
            }
            return token
        }

        /// The `OTEL_*` keys; an empty endpoint means tracing off (the rest is still checked).
        func tracing() throws(ConfigurationError) -> TracingSettings {
            let endpoint = (string(.otelExporterOTLPEndpoint) ?? "").trimmingCharacters(in: .whitespaces)
            guard endpoint.isEmpty || TracingSettings.validEndpoint(endpoint) else {
                throw ConfigurationError("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL such as http://collector:4318, got \(quoted(endpoint))")
            }
            var settings = TracingSettings(endpoint: endpoint)
            settings.exportProtocol = try choice(
                .otelExporterOTLPProtocol, TracingSettings.ExportProtocol.init(rawValue:), "http/protobuf or http/json")
            for (key, target) in [(ConfigurationKey.otelExporterOTLPHeaders, \TracingSettings.headers), (.otelResourceAttributes, \.resourceAttributes)] {
                guard let pairs = TracingSettings.pairs(string(key) ?? "") else {
                    throw ConfigurationError("\(key.rawValue) must be name=value pairs separated by commas")
                }
                settings[keyPath: target] = pairs
            }
            let serviceName = (string(.otelServiceName) ?? "").trimmingCharacters(in: .whitespaces)
            if !serviceName.isEmpty { settings.serviceName = serviceName }
            settings.sampler = try choice(
                .otelTracesSampler, TracingSettings.Sampler.init(rawValue:),
                "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio")
            // A number in the JSON file, text elsewhere.
            let ratioText =
                string(.otelTracesSamplerArg)
                ?? reader.double(forKey: Configuration.ConfigKey(ConfigurationKey.otelTracesSamplerArg.readerKey)).map { String($0) }
                ?? ConfigurationKey.otelTracesSamplerArg.defaultValue!
            guard let ratio = Double(ratioText), (0...1).contains(ratio) else {
                throw ConfigurationError("OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got \(quoted(ratioText))")
            }
            settings.samplerRatio = ratio
            settings.exportTimeoutMilliseconds = try integer(.otelExporterOTLPTimeout, in: 1...600_000)
            settings.scheduleDelayMilliseconds = try integer(.otelBSPScheduleDelay, in: 1...600_000)
            settings.maxQueueSize = try integer(.otelBSPMaxQueueSize, in: 1...1_000_000)
            return settings
        }

        /// `*`, or origins as `scheme://host[:port]`; `*` is refused in production.
        func origins(environment: AppConfiguration.Environment) throws(ConfigurationError) -> [String] {
            let text = string(.corsAllowedOrigins) ?? ""
            let origins = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for origin in origins where origin != "*" {
                guard let url = URLComponents(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()),
                    url.host?.isEmpty == false, url.path.isEmpty, url.query == nil
                else {
                    throw ConfigurationError("CORS_ALLOWED_ORIGINS entries must be origins like https://app.example.com, got \(quoted(origin))")
                }
            }
            if origins.contains("*"), environment == .production {
                throw ConfigurationError("CORS_ALLOWED_ORIGINS=* is not allowed when APP_ENV=production; list the origins")
            }
            return origins
        }

        /// The value as text when the key is set anywhere, whatever its type.
        private func raw(_ key: ConfigurationKey) -> String? {
            string(key) ?? reader.int(forKey: Configuration.ConfigKey(key.readerKey)).map(String.init)
        }

        private func quoted(_ text: String) -> String {
            "\"" + String(text.prefix(64)).replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
    }

    private static func oneLine(_ error: any Error) -> String {
        "\(error)".replacingOccurrences(of: "\n", with: " ")
    }
}
