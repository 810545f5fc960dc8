import Foundation
import HTTPTestSupport
import Logging

@testable import ConduitApp

/// Fresh, migrated databases for tests that run on both engines.
enum TestStores {
    /// SQLite always; PostgreSQL too when a test server is configured.
    static var engines: [String] { TestPostgres.isAvailable ? ["sqlite", "postgres"] : ["sqlite"] }

    /// A new database on `engine` ("sqlite": a file in a fresh temporary folder; "postgres": a
    /// new database on the test server), with `migrations` applied.
    static func open(_ engine: String, migrations: [Migration] = Schema.migrations, logger: Logger) async throws -> any DatabaseStore {
        let store: any DatabaseStore
        if engine == "postgres" {
            var settings = PostgresStore.Settings()
            settings.connectTimeoutSeconds = 30
            store = try await PostgresStore.open(url: try TestPostgres.createDatabase(), settings: settings, logger: logger)
        } else {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)/db.sqlite").path
            store = try await SQLiteStore.open(path: path, logger: logger)
        }
        try await Migrator(migrations: migrations).run(on: store, logger: logger)
        return store
    }
}
