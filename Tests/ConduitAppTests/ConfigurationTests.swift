import Foundation
import Logging
import Testing

@testable import ConduitApp

@Suite("Configuration")
struct ConfigurationTests {
    /// A scratch directory with optional `.env` and JSON files.
    struct Scratch {
        let directory: URL
        init(dotEnv: String? = nil, json: String? = nil) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            if let dotEnv { try dotEnv.write(to: directory.appendingPathComponent(".env"), atomically: true, encoding: .utf8) }
            if let json { try json.write(to: directory.appendingPathComponent("conduit.json"), atomically: true, encoding: .utf8) }
        }
        func sources(arguments: [String] = [], environment: [String: String] = [:]) -> ConfigurationLoader.Sources {
            var sources = ConfigurationLoader.Sources(
                arguments: arguments, environment: environment,
                dotEnvPath: directory.appendingPathComponent(".env").path,
                configFilePath: directory.appendingPathComponent("conduit.json").path)
            sources.configFileRequired = false
            return sources
        }
    }

    @Test("defaults apply when nothing is set")
    func defaults() async throws {
        let configuration = try await ConfigurationLoader.load(Scratch().sources())
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.databaseURL == "sqlite:data/conduit.sqlite")
        #expect(configuration.environment == .development)
        #expect(configuration.maxBodyBytes == 1_048_576)
        #expect(configuration.shutdownGraceSeconds == 10)
        #expect(configuration.jwtSecretIsEphemeral)
        #expect(configuration.jwtSecret.utf8.count >= 32)
    }

    @Test("command line > environment > .env > JSON file > defaults")
    func precedence() async throws {
        let scratch = try Scratch(
            dotEnv: "PORT=7000\nMAX_BODY_BYTES=6\nLOG_LEVEL=debug\n",
            json: #"{"PORT": 9000, "MAX_BODY_BYTES": 3, "LOG_FORMAT": "text", "EVENT_LOOPS": 3, "HOST": "0.0.0.0"}"#)
        let fileOnly = try await ConfigurationLoader.load(
            Scratch(json: #"{"PORT": 9000, "SHUTDOWN_GRACE_SECONDS": 2}"#).sources())
        #expect(fileOnly.port == 9000 && fileOnly.shutdownGraceSeconds == 2)
        let configuration = try await ConfigurationLoader.load(
            scratch.sources(arguments: ["--port", "6001"], environment: ["PORT": "6000", "MAX_BODY_BYTES": "5"]))
        #expect(configuration.port == 6001)  // command line
        #expect(configuration.maxBodyBytes == 5)  // environment over .env
        #expect(configuration.logLevel == .debug)  // .env over default
        #expect(configuration.logFormat == .text)  // JSON over default
        #expect(configuration.eventLoops == 3)
        #expect(configuration.host == "0.0.0.0")
    }

    @Test("invalid values name the key and the value", arguments: [
        ("PORT", "notaport"), ("PORT", "65536"), ("EVENT_LOOPS", "0"), ("LOG_LEVEL", "verbose"),
        ("LOG_FORMAT", "xml"), ("APP_ENV", "prod"), ("MAX_BODY_BYTES", "1e6"), ("HOST", "bad host!"),
        ("DATABASE_URL", "ftp://x"), ("SHUTDOWN_GRACE_SECONDS", "-5"),
    ])
    func invalidValues(_ key: String, _ value: String) async throws {
        do {
            _ = try await ConfigurationLoader.load(Scratch().sources(environment: [key: value]))
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as ConfigurationError {
            #expect(error.description.hasPrefix(key))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("a malformed JSON file is a one-line error")
    func malformedFile() async throws {
        await #expect(throws: ConfigurationError.self) {
            try await ConfigurationLoader.load(Scratch(json: "{not json").sources())
        }
    }

    @Test("a JSON file named by CONFIG_FILE must exist")
    func missingExplicitFile() async {
        let sources = ConfigurationLoader.Sources(environment: ["CONFIG_FILE": "/nonexistent/conduit.json"])
        #expect(sources.configFileRequired)
        await #expect(throws: ConfigurationError.self) { try await ConfigurationLoader.load(sources) }
    }

    @Test("production demands a strong JWT secret", arguments: [nil, "", "short", "change-me-to-at-least-32-random-bytes-please", String(repeating: "ab", count: 20)])
    func productionSecret(_ secret: String?) async throws {
        var environment = ["APP_ENV": "production"]
        environment["JWT_SECRET"] = secret
        await #expect(throws: ConfigurationError.self) {
            try await ConfigurationLoader.load(Scratch().sources(environment: environment))
        }
    }

    @Test("production accepts a strong secret and keeps it")
    func productionStrongSecret() async throws {
        let secret = "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o"
        let configuration = try await ConfigurationLoader.load(
            Scratch().sources(environment: ["APP_ENV": "production", "JWT_SECRET": secret]))
        #expect(configuration.jwtSecret == secret)
        #expect(!configuration.jwtSecretIsEphemeral)
    }

    @Test("effective values mask secrets")
    func masking() async throws {
        let configuration = try await ConfigurationLoader.load(Scratch().sources(environment: [
            "JWT_SECRET": "a-secret-that-must-never-be-printed-0123456789",
            "DATABASE_URL": "postgres://conduit:hunter2@db.internal:5432/conduit",
        ]))
        let printed = configuration.effectiveValues().map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: "\n")
        #expect(!printed.contains("a-secret-that"))
        #expect(!printed.contains("hunter2"))
        #expect(printed.contains("db.internal"))
        #expect(configuration.effectiveValues().count == ConfigurationKey.allCases.count)
    }

    @Test("the example files document every key")
    func examplesCoverEveryKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let json = try String(contentsOf: root.appendingPathComponent("config/conduit.example.json"), encoding: .utf8)
        let dotEnv = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("config/README.md"), encoding: .utf8)
        for key in ConfigurationKey.allCases {
            #expect(json.contains("\"\(key.rawValue)\""), "config/conduit.example.json lacks \(key.rawValue)")
            #expect(dotEnv.contains("\n\(key.rawValue)="), ".env.example lacks \(key.rawValue)")
            #expect(readme.contains("`\(key.rawValue)`"), "config/README.md lacks \(key.rawValue)")
        }
        let example = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(example?.count == ConfigurationKey.allCases.count)
    }
}
