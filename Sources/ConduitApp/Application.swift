import Foundation
import HTTPKernel
import Logging

/// The `conduit serve` process: logging, routes, the HTTP server, and shutdown on a signal.
public struct Application: Sendable {
    public let configuration: AppConfiguration
    public let lifecycle = Lifecycle()

    public init(configuration: AppConfiguration) { self.configuration = configuration }

    /// Middleware, outermost first. The error middleware sits inside everything that needs to
    /// see final statuses and outside everything that may throw.
    var middlewares: [any HTTPMiddleware] {
        [ErrorMiddleware()]
    }

    func makeRouter() throws -> Router {
        var router = Router()
        HealthRoutes(lifecycle: lifecycle, checks: [("storage", storageCheck())]).register(on: &router)
        return router
    }

    /// The SQLite default needs its directory; readiness fails when it is not writable.
    private func storageCheck() -> HealthRoutes.Check {
        let url = configuration.databaseURL
        return {
            guard url.lowercased().hasPrefix("sqlite:") else { return }
            let path = String(url.dropFirst("sqlite:".count))
            let directory = (path as NSString).deletingLastPathComponent
            guard FileManager.default.isWritableFile(atPath: directory.isEmpty ? "." : directory) else {
                throw ConfigurationError("database directory \(directory) is not writable")
            }
        }
    }

    /// Runs until SIGTERM or SIGINT, then drains and returns.
    public func run() async throws {
        let logger = Logger(label: "conduit")
        try prepareStorage()
        let responder = MiddlewareChain(middlewares, responder: try makeRouter())
        let server = HTTPServer(configuration: configuration.server, responder: responder, logger: logger)
        let port = try server.start()
        if configuration.jwtSecretIsEphemeral {
            logger.warning("JWT_SECRET is not set: using a random secret, tokens will not survive a restart")
        }
        logger.notice("listening", metadata: [
            "host": "\(configuration.host)", "port": .stringConvertible(port),
            "event_loops": .stringConvertible(configuration.eventLoops), "env": "\(configuration.environment.rawValue)",
        ])
        let signal = await TerminationSignals.next()
        lifecycle.beginDraining()
        logger.notice("draining", metadata: ["signal": .stringConvertible(signal), "grace_seconds": .stringConvertible(configuration.shutdownGraceSeconds)])
        server.shutdown(graceSeconds: configuration.shutdownGraceSeconds)
        await server.waitUntilStopped()
        logger.notice("stopped")
    }

    private func prepareStorage() throws {
        guard configuration.databaseURL.lowercased().hasPrefix("sqlite:") else { return }
        let path = String(configuration.databaseURL.dropFirst("sqlite:".count))
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ConfigurationError("cannot create database directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Installs the log handler the configuration asks for; once per process.
    public static func bootstrapLogging(_ configuration: AppConfiguration) {
        let level = configuration.logLevel
        switch configuration.logFormat {
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        case .text: LoggingSystem.bootstrap { TextLogHandler(label: $0, level: level) }
        }
    }
}
