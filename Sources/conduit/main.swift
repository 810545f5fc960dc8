import ArgumentParser
import ConduitApp
import Foundation

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
        subcommands: [Serve.self, Migrate.self, ConfigCommand.self, HealthCheck.self],
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

/// The container health check: no curl or shell in the image, the binary probes itself.
struct HealthCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Probe GET /healthz of the server this configuration describes: exit 0 on 200, 1 otherwise.",
        discussion: """
            For a container HEALTHCHECK without curl or a shell. The address and port are the \
            configuration's (HOST, PORT, or flags such as --port 9000); a wildcard HOST is probed on \
            the loopback address.
            """)

    @Option(help: "Seconds to wait for the connection and for the answer.")
    var timeout: Double = 2

    @Argument(parsing: .allUnrecognized, help: "Configuration overrides such as --port 9000.")
    var overrides: [String] = []

    func run() async throws {
        let configuration: AppConfiguration
        do {
            configuration = try await ConfigurationLoader.load(.init(arguments: overrides))
        } catch {
            fail("healthcheck: invalid configuration: \(error)")
        }
        if let reason = HealthProbe.probe(host: configuration.host, port: configuration.port, timeoutSeconds: timeout) {
            fail("healthcheck: \(reason)")
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

/// `GET /healthz` over a plain TCP socket, for `conduit healthcheck` (the image's HEALTHCHECK),
/// so the image needs no curl or shell. Returns nil on a 200 answer, else the reason.
enum HealthProbe {
    static func probe(host: String, port: Int, path: String = "/healthz", timeoutSeconds: Double) -> String? {
        // A wildcard listen address is probed on the loopback of the same family.
        let target = host == "0.0.0.0" || host.isEmpty ? "127.0.0.1" : host == "::" ? "::1" : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(target, String(port), &hints, &found)
        guard resolved == 0, let info = found?.pointee else {
            return "cannot resolve \(target): \(String(cString: gai_strerror(resolved)))"
        }
        defer { freeaddrinfo(found) }
        let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        // On Linux SO_SNDTIMEO bounds connect() too; SO_RCVTIMEO bounds each read.
        let seconds = max(timeoutSeconds, 0.001)
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.ai_addr, info.ai_addrlen) == 0 else {
            return "connect to \(target) port \(port): \(String(cString: strerror(errno)))"
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(target)\r\nConnection: close\r\n\r\n".utf8)
        var offset = 0
        while offset < request.count {
            let sent = request[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return "send: \(String(cString: strerror(errno)))" }
            offset += sent
        }
        // Only the status line matters: "HTTP/1.1 200 OK".
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        let deadline = now() + seconds
        while !head.contains(10), head.count < 4096 {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                return count == 0 ? "connection closed before a status line" : "recv: \(String(cString: strerror(errno)))"
            }
            head += chunk[..<count]
            if now() > deadline { return "timed out" }
        }
        let statusLine = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1.") else { return "not an HTTP answer: \(statusLine)" }
        return fields[1] == "200" ? nil : "\(path) answered \(statusLine)"
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
