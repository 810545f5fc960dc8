import CoreMetrics
import Foundation
import HTTPKernel
import Logging

/// The `conduit serve` process: logging, routes, the HTTP server, and shutdown on a signal.
public struct Application: Sendable {
    public let configuration: AppConfiguration
    public let lifecycle = Lifecycle()
    /// Built once: the buckets must outlive every request.
    let rateLimits: RateLimitMiddleware
    /// Every metric of this process (`GET /metrics`); the kernel reports into it as its observer.
    public let metrics: AppMetrics

    public init(configuration: AppConfiguration, metrics: AppMetrics = AppMetrics()) {
        self.configuration = configuration
        self.metrics = metrics
        rateLimits = RateLimitMiddleware(
            auth: configuration.rateLimitAuthPerMinute > 0 ? RateLimiter(perMinute: configuration.rateLimitAuthPerMinute) : nil,
            general: configuration.rateLimitPerMinute > 0 ? RateLimiter(perMinute: configuration.rateLimitPerMinute) : nil,
            trustProxy: configuration.trustProxy, metrics: metrics)
    }

    /// Middleware, outermost first: security headers and CORS wrap everything (error responses
    /// included, so browsers can read them); the error middleware sits inside them and outside
    /// everything that may throw.
    var middlewares: [any HTTPMiddleware] {
        var chain: [any HTTPMiddleware] = [SecurityHeadersMiddleware(production: configuration.environment == .production)]
        let cors = CORSMiddleware(origins: configuration.corsAllowedOrigins)
        if cors.isEnabled { chain.append(cors) }
        chain.append(rateLimits)
        chain.append(ErrorMiddleware())
        return chain
    }

    func makeRouter(store sqlite: SQLiteStore, logger: Logger) async throws -> Router {
        var router = Router()
        HealthRoutes(lifecycle: lifecycle, checks: [("database", { try await sqlite.ping() })]).register(on: &router)
        MetricsRoute(
            metrics: metrics, enabled: configuration.metricsEnabled, token: configuration.metricsToken,
            production: configuration.environment == .production
        ).register(on: &router)
        OpenAPIRoute().register(on: &router)
        // Repositories see the store through the timing wrapper (query latency, connections in use).
        let store: any SQLStore =
            configuration.metricsEnabled ? InstrumentedSQLStore(sqlite, connections: SQLiteStore.connectionCount, metrics: metrics) : sqlite
        // Password hashing gets its own threads: never an event loop, never the cooperative pool.
        let hashingPool = BlockingPool(threads: configuration.eventLoops, name: "password-hash")
        let users = UsersService(
            users: SQLUsersRepository(store: store),
            hasher: PasswordHasher(parameters: .init(logN: configuration.passwordHashCost), pool: hashingPool),
            tokens: await TokenService(
                secret: configuration.jwtSecret, previousSecrets: configuration.jwtPreviousSecrets,
                lifetimeSeconds: configuration.jwtTTLSeconds))
        let authentication = Authentication(users: users)
        UsersController(users: users, authentication: authentication).register(on: &router)
        let profiles = ProfilesService(users: SQLUsersRepository(store: store), follows: SQLFollowsRepository(store: store))
        ProfilesController(profiles: profiles, authentication: authentication).register(on: &router)
        let articles = ArticlesService(
            articles: SQLArticlesRepository(store: store), favorites: SQLFavoritesRepository(store: store),
            comments: SQLCommentsRepository(store: store), users: SQLUsersRepository(store: store),
            follows: SQLFollowsRepository(store: store))
        ArticlesController(articles: articles, authentication: authentication).register(on: &router)
        return router
    }

    /// `conduit migrate`: brings the schema up to date and returns the versions applied.
    public static func migrate(_ configuration: AppConfiguration) async throws -> [Int] {
        let logger = Logger(label: "conduit")
        let store = try await openStore(configuration, logger: logger)
        do {
            let applied = try await store.write { database in try await Migrator().run(on: database, logger: logger) }
            await store.close()
            return applied
        } catch {
            await store.close()
            throw error
        }
    }

    /// Opens the database named by DATABASE_URL and brings its schema up to date.
    static func openDatabase(_ configuration: AppConfiguration, logger: Logger) async throws -> SQLiteStore {
        let store = try await openStore(configuration, logger: logger)
        do {
            try await store.write { database in try await Migrator().run(on: database, logger: logger) }
        } catch {
            await store.close()
            throw ConfigurationError("database migration failed: \(error)")
        }
        return store
    }

    private static func openStore(_ configuration: AppConfiguration, logger: Logger) async throws -> SQLiteStore {
        guard case let .sqlite(path) = try DatabaseLocation(url: configuration.databaseURL) else {
            throw ConfigurationError("DATABASE_URL: PostgreSQL is not supported by this build yet; use sqlite:PATH")
        }
        let store: SQLiteStore
        do {
            store = try await SQLiteStore.open(path: path, logger: logger)
        } catch {
            throw ConfigurationError("cannot open database \(path): \(error)")
        }
        return store
    }

    /// Runs until SIGTERM or SIGINT, then drains and returns.
    public func run() async throws {
        let logger = Logger(label: "conduit")
        let store = try await Self.openDatabase(configuration, logger: logger)
        let server: HTTPServer
        let port: Int
        do {
            let responder = MiddlewareChain(middlewares, responder: try await makeRouter(store: store, logger: logger))
            var serverConfiguration = configuration.server
            if configuration.metricsEnabled { serverConfiguration.observer = metrics }
            server = HTTPServer(configuration: serverConfiguration, responder: responder, logger: logger)
            port = try server.start()
        } catch {
            await store.close()  // SQLiteNIO traps on a connection dropped without closing
            throw error
        }
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
        await store.close()
        logger.notice("stopped")
    }

    /// Makes `metrics` the process-wide swift-metrics backend, so that libraries reporting
    /// through swift-metrics show up in `GET /metrics` too; once per process.
    public static func bootstrapMetrics(_ metrics: AppMetrics) {
        MetricsSystem.bootstrap(metrics.metricsFactory)
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
