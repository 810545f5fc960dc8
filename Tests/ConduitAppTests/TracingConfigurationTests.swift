import Foundation
import Testing

@testable import ConduitApp

/// The `OTEL_*` keys: read through every configuration layer, validated, off by default.
@Suite("Tracing configuration")
struct TracingConfigurationTests {
    typealias Scratch = ConfigurationTests.Scratch

    @Test("tracing is off unless an endpoint is set")
    func offByDefault() async throws {
        let configuration = try await ConfigurationLoader.load(Scratch().sources())
        #expect(configuration.tracing == nil)
        #expect(configuration.effectiveValues().first { $0.key == .otelExporterOTLPEndpoint }?.value == "")
    }

    @Test("an endpoint needs the exporter in the build: without the OTLPExport trait it is a configuration error")
    func exporterTrait() throws {
        let settings = TracingSettings(endpoint: "http://127.0.0.1:4318")
        #expect(try ConfigurationLoader.tracing(settings, exporterBuiltIn: true) == settings)
        #expect(try ConfigurationLoader.tracing(TracingSettings(endpoint: ""), exporterBuiltIn: false) == nil)
        #expect(throws: ConfigurationError(SpanExports.notBuiltIn)) { try ConfigurationLoader.tracing(settings, exporterBuiltIn: false) }
        #expect(SpanExports.notBuiltIn.contains("--traits OTLPExport"))
    }

    // Loading an endpoint needs the exporter built in (Scripts/test.sh builds with it).
    #if OTLPExport
    @Test("the OTEL_* keys follow the usual precedence, the file and the command line included")
    func precedence() async throws {
        let scratch = try Scratch(
            dotEnv: "OTEL_SERVICE_NAME=from-dotenv\nOTEL_BSP_MAX_QUEUE_SIZE=100\n",
            json: #"{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://file:4318", "OTEL_TRACES_SAMPLER_ARG": 0.25, "OTEL_BSP_SCHEDULE_DELAY": 250}"#)
        let fileOnly = try #require(try await ConfigurationLoader.load(scratch.sources()).tracing)
        #expect(fileOnly.endpoint == "http://file:4318" && fileOnly.tracesURL == "http://file:4318/v1/traces")
        #expect(fileOnly.samplerRatio == 0.25 && fileOnly.scheduleDelayMilliseconds == 250)
        #expect(fileOnly.serviceName == "from-dotenv" && fileOnly.maxQueueSize == 100)
        let tracing = try #require(try await ConfigurationLoader.load(scratch.sources(
            arguments: ["--otel-exporter-otlp-endpoint", "https://cli.example/otlp/"],
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318", "OTEL_SERVICE_NAME": "from-env"])).tracing)
        #expect(tracing.tracesURL == "https://cli.example/otlp/v1/traces")
        #expect(tracing.serviceName == "from-env")
        #expect(tracing.sampler == .parentBasedAlwaysOn && tracing.exportProtocol == .httpProtobuf)
    }

    @Test("headers and resource attributes are name=value pairs, percent-decoded; headers are masked")
    func pairs() async throws {
        let configuration = try await ConfigurationLoader.load(Scratch().sources(environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
            "OTEL_EXPORTER_OTLP_HEADERS": "api-key=s3cr%3Dt, x-tenant = a",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod",
        ]))
        let tracing = try #require(configuration.tracing)
        #expect(tracing.headers == [.init(name: "api-key", value: "s3cr=t"), .init(name: "x-tenant", value: "a")])
        #expect(tracing.resourceAttributes == [.init(name: "deployment.environment", value: "prod")])
        let printed = configuration.effectiveValues().map(\.value).joined(separator: "\n")
        #expect(!printed.contains("s3cr"))
    }

    #endif

    @Test("invalid OTEL_* values name the key", arguments: [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:pw@collector:4318"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318?x=1"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_HEADERS", "novalue"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=x"), ("OTEL_RESOURCE_ATTRIBUTES", "=x"),
        ("OTEL_TRACES_SAMPLER", "sometimes"), ("OTEL_TRACES_SAMPLER_ARG", "1.5"), ("OTEL_TRACES_SAMPLER_ARG", "half"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0"), ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
    ])
    func invalid(_ key: String, _ value: String) async throws {
        await #expect {
            _ = try await ConfigurationLoader.load(Scratch().sources(environment: [key: value]))
        } throws: { error in
            (error as? ConfigurationError)?.description.contains(key) == true
        }
    }
}
