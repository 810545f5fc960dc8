import Foundation
import HTTPKernel
import HTTPTestSupport
import Logging

@testable import ConduitApp

/// The application under test, reached as `mode` says, on a fresh SQLite file (or a fresh
/// PostgreSQL database in the PostgreSQL pass): in process through its whole pipeline
/// (`router`), or served on a free loopback port (`live`). `configure` adjusts the
/// configuration; the database is released when `body` returns or throws.
func withApplication(
    _ mode: TestMode, configure: (inout AppConfiguration) -> Void = { _ in },
    _ body: (any TestClient) async throws -> Void
) async throws {
    var configuration = AppConfiguration(jwtSecret: "scenario-secret-0123456789abcdefghijklmnop")
    configuration.port = 0
    configuration.eventLoops = 2
    configuration.passwordHashCost = 10
    configuration.rateLimitAuthPerMinute = 0
    configuration.databaseURL = TestPostgres.endToEndOnPostgres
        ? try TestPostgres.createDatabase()
        : "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString)/conduit.sqlite").path
    configure(&configuration)
    let application = Application(configuration: configuration)
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    switch mode {
    case .router:
        let (responder, close) = try await application.makeInProcessResponder(logger: logger)
        do {
            try await body(RouterTestClient(responder: responder))
        } catch {
            await close()
            throw error
        }
        await close()
    case .live:
        let serving = try await application.serve(logger: logger)
        do {
            try await body(LiveTestClient(port: serving.port))
        } catch {
            await serving.stop(graceSeconds: 1)
            throw error
        }
        await serving.stop(graceSeconds: 1)
    }
}
