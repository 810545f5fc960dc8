import Foundation

/// The throwaway PostgreSQL that Scripts/test.sh starts (Scripts/postgres.sh): tests that need
/// PostgreSQL read its URL from `CONDUIT_TEST_POSTGRES_URL` and make their own database in it,
/// so they never see each other's data. Without the variable they are skipped (CI always sets it).
public enum TestPostgres {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The administrative URL (a database the tests may create others from), or nil.
    public static var adminURL: String? {
        guard let url = ProcessInfo.processInfo.environment["CONDUIT_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    public static var isAvailable: Bool { adminURL != nil }

    /// When set (Scripts/test.sh's second end-to-end pass), every `conduit` a test starts without
    /// its own DATABASE_URL gets a fresh PostgreSQL database instead of an SQLite file.
    public static var endToEndOnPostgres: Bool {
        isAvailable && ProcessInfo.processInfo.environment["CONDUIT_E2E_DATABASE"] == "postgres"
    }

    /// The repository root (for Scripts/postgres.sh).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Creates an empty database `test_<random>` on the server `adminURL` points at and returns its URL.
    public static func createDatabase(adminURL: String? = nil) throws -> String {
        guard let admin = adminURL ?? Self.adminURL, var components = URLComponents(string: admin) else {
            throw Failure(description: "CONDUIT_TEST_POSTGRES_URL is not set")
        }
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try psql(admin, "CREATE DATABASE \(name)")
        components.path = "/\(name)"
        return components.string!
    }

    /// Runs one SQL command through psql against `url`; throws with psql's message on failure.
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        try run("/usr/bin/env", ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-qAt", "-d", url, "-c", sql])
    }

    /// A private cluster (its own temporary folder and port) for tests that stop and start
    /// the server, so that they never disturb the shared one.
    public final class Cluster: Sendable {
        public let url: String
        public let directory: String

        public init() throws {
            let output = try TestPostgres.run(TestPostgres.repositoryRoot.appendingPathComponent("Scripts/postgres.sh").path, ["start"])
            var url = "", directory = ""
            for line in output.split(separator: "\n") {
                if line.hasPrefix("export CONDUIT_TEST_POSTGRES_URL=") { url = String(line.dropFirst("export CONDUIT_TEST_POSTGRES_URL=".count)) }
                if line.hasPrefix("export CONDUIT_TEST_POSTGRES_DIR=") { directory = String(line.dropFirst("export CONDUIT_TEST_POSTGRES_DIR=".count)) }
            }
            guard !url.isEmpty, !directory.isEmpty else { throw Failure(description: "Scripts/postgres.sh start said: \(output)") }
            self.url = url
            self.directory = directory
        }

        /// Stops the server (`pg_ctl stop -m fast`), keeping its data.
        public func pause() throws { _ = try TestPostgres.run(script, ["pause", directory]) }
        /// Starts it again on the same port.
        public func resume() throws { _ = try TestPostgres.run(script, ["resume", directory]) }
        /// Stops it and deletes its folder.
        public func destroy() { _ = try? TestPostgres.run(script, ["stop", directory]) }

        private var script: String { TestPostgres.repositoryRoot.appendingPathComponent("Scripts/postgres.sh").path }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = (environment["PATH"] ?? "") + ":/usr/bin:/bin:/usr/sbin:/sbin"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(executable) \(arguments.prefix(1)) failed: \(String(decoding: errorData, as: UTF8.self)) \(text)")
        }
        return text
    }
}
