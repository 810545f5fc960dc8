import Foundation

/// What the `OTEL_*` keys ask of tracing, validated. `AppConfiguration.tracing` is nil when no
/// endpoint is set: tracing is then off and nothing of it is built.
///
/// The keys are read through our configuration layers (command line > environment > `.env` >
/// `config/conduit.json` > defaults) and handed to swift-otel as values; swift-otel's own
/// reading of the process environment is not used, since it would see neither `.env`, the
/// file nor the command line, and would override them.
public struct TracingSettings: Sendable, Equatable {
    public enum ExportProtocol: String, Sendable {
        case httpProtobuf = "http/protobuf"
        case httpJSON = "http/json"
    }

    public enum Sampler: String, Sendable {
        case alwaysOn = "always_on"
        case alwaysOff = "always_off"
        case traceIDRatio = "traceidratio"
        case parentBasedAlwaysOn = "parentbased_always_on"
        case parentBasedAlwaysOff = "parentbased_always_off"
        case parentBasedTraceIDRatio = "parentbased_traceidratio"
    }

    /// A `name=value` pair of `OTEL_EXPORTER_OTLP_HEADERS` or `OTEL_RESOURCE_ATTRIBUTES`.
    public struct Pair: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// The collector's base URL, as configured.
    public var endpoint: String
    public var exportProtocol = ExportProtocol.httpProtobuf
    public var headers: [Pair] = []
    public var exportTimeoutMilliseconds = 10000
    public var serviceName = "conduit"
    public var resourceAttributes: [Pair] = []
    public var sampler = Sampler.parentBasedAlwaysOn
    public var samplerRatio = 1.0
    public var scheduleDelayMilliseconds = 5000
    public var maxQueueSize = 2048

    public init(endpoint: String) { self.endpoint = endpoint }

    /// Where spans are posted: the OTLP/HTTP traces path under the base URL, as the
    /// specification derives it from `OTEL_EXPORTER_OTLP_ENDPOINT`.
    public var tracesURL: String {
        (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
    }

    /// Checks an endpoint: an absolute http(s) URL with a host, no credentials, query or fragment.
    static func validEndpoint(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.user == nil, url.password == nil, url.query == nil, url.fragment == nil
        else { return false }
        return true
    }

    /// Parses `name=value,name=value` (values percent-decoded, as the OpenTelemetry
    /// specification says for both keys); nil when a pair is malformed. Names must be header
    /// tokens and values free of control characters, since headers go on the wire.
    static func pairs(_ text: String) -> [Pair]? {
        var pairs: [Pair] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard let value = parts[1].trimmingCharacters(in: .whitespaces).removingPercentEncoding,
                !name.isEmpty, name.unicodeScalars.allSatisfy(Self.isTokenCharacter),
                !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { return nil }
            pairs.append(Pair(name: name, value: value))
        }
        return pairs
    }

    private static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
    }
}
