import ArgumentParser
import ConduitApp

#if canImport(Glibc)
import Glibc
#endif

/// `conduit`: the RealWorld Conduit API server. With no subcommand it serves, so that the
/// binary works as a container entrypoint as is.
@main
struct Conduit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conduit",
        abstract: "The RealWorld Conduit API on libevent.",
        discussion: """
            Configuration: defaults < config/conduit.json (CONFIG_FILE) < .env (ENV_FILE) < environment \
            < command line. Any key can be given as a flag: --port 9000, --log-level debug. \
            `conduit config check` lists every key with its effective value.
            """,
        subcommands: [Serve.self, Migrate.self, ConfigCommand.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve HTTP until SIGTERM or SIGINT (the default).")

    @Argument(parsing: .allUnrecognized, help: "Configuration overrides such as --port 9000.")
    var overrides: [String] = []

    func run() async throws {
        let configuration = try await loadOrExit(overrides)
        Application.bootstrapLogging(configuration)
        let metrics = AppMetrics()
        Application.bootstrapMetrics(metrics)
        do {
            try await Application(configuration: configuration, metrics: metrics).run()
        } catch {
            fail("\(error)")
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring the database schema up to date (serve does this at start too).")

    @Argument(parsing: .allUnrecognized, help: "Configuration overrides such as --database-url sqlite:data/x.sqlite.")
    var overrides: [String] = []

    func run() async throws {
        let configuration = try await loadOrExit(overrides)
        Application.bootstrapLogging(configuration)
        do {
            let applied = try await Application.migrate(configuration)
            print(applied.isEmpty ? "schema up to date" : "applied: \(applied.map(String.init).joined(separator: ", "))")
        } catch {
            fail("\(error)")
        }
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and print every key's effective value, secrets masked.")

        @Argument(parsing: .allUnrecognized, help: "Configuration overrides such as --port 9000.")
        var overrides: [String] = []

        func run() async throws {
            let configuration = try await loadOrExit(overrides)
            for (key, value) in configuration.effectiveValues() {
                print("\(key.rawValue)=\(value)")
            }
        }
    }
}

/// Loads the configuration, or prints the one-line reason and exits with EX_CONFIG (78).
func loadOrExit(_ overrides: [String]) async throws -> AppConfiguration {
    do {
        return try await ConfigurationLoader.load(.init(arguments: overrides))
    } catch {
        fail("invalid configuration: \(error)", code: 78)
    }
}

func fail(_ message: String, code: Int32 = 1) -> Never {
    var line = "conduit: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(code)
}
