import CoreMetrics
import Foundation
import HTTPKernel
import Logging

/// The `conduit serve` process: logging, routes, the HTTP server, and shutdown on a signal.
public struct Application: Sendable {
    public let configuration: AppConfiguration
    public let lifecycle = Lifecycle()
    /// Built once: the buckets must outlive every request. The auth limit is attached to the
    /// registration and login routes (UsersController), the general one to the pipeline.
    let authRateLimit: RateLimitMiddleware?
    let generalRateLimit: RateLimitMiddleware?
    /// Every metric of this process (`GET /metrics`); the kernel reports into it as its observer.
    public let metrics: AppMetrics
    /// Built once: its pool of zlib streams serves every request.
    let compression: CompressionMiddleware?

    public init(configuration: AppConfiguration, metrics: AppMetrics = AppMetrics()) {
        self.configuration = configuration
        self.metrics = metrics
        authRateLimit =
            configuration.rateLimitAuthPerMinute > 0
            ? RateLimitMiddleware(
                limiter: RateLimiter(perMinute: configuration.rateLimitAuthPerMinute), kind: .auth,
                trustProxy: configuration.trustProxy, metrics: metrics)
            : nil
        generalRateLimit =
            configuration.rateLimitPerMinute > 0
            ? RateLimitMiddleware(
                limiter: RateLimiter(perMinute: configuration.rateLimitPerMinute), kind: .general,
                exempt: HealthRoutes.templates.union(MetricsRoute.templates).union(UsersController.authRateLimitedTemplates),
                trustProxy: configuration.trustProxy, metrics: metrics)
            : nil
        compression =
            configuration.compressionEnabled
            ? CompressionMiddleware(
                minimumBytes: configuration.compressionMinBytes, level: configuration.compressionLevel,
                pooledStreams: 2 * configuration.eventLoops)
            : nil
    }

    /// Middleware, outermost first: `Cache-Control` for credentialed answers and CORS wrap
    /// everything (error responses included, so browsers can read them; the static security
    /// headers are the kernel's `commonHeaders`, on every response); the error middleware sits
    /// inside them and outside everything that may throw.
    var middlewares: [any HTTPMiddleware] {
        var chain: [any HTTPMiddleware] = [CredentialedResponsesMiddleware()]
        if configuration.tracing != nil { chain.insert(TracingMiddleware(), at: 0) }  // outermost: sees the final status
        let cors = CORSMiddleware(origins: configuration.corsAllowedOrigins, allowsCredentials: configuration.authCookie)
        if cors.isEnabled { chain.append(cors) }
        if let generalRateLimit { chain.append(generalRateLimit) }
        chain.append(ErrorMiddleware(format: ErrorEnvelope.format))
        // It sees the routes' 200s, and the 304s it makes still get CORS and Cache-Control
        // from the middleware around it.
        chain.append(ConditionalGetMiddleware())
        // Innermost, so that the ETag above is the hash of the bytes sent (coded or not).
        if let compression { chain.append(compression) }
        return chain
    }

    /// The routes, and the sessions they check tokens against (whose ``Sessions/run(sweepEvery:)``
    /// a server runs beside them).
    func makeRouter(store database: any DatabaseStore, logger: Logger) async throws -> (router: Router, sessions: Sessions) {
        var router = Router()
        HealthRoutes(lifecycle: lifecycle, checks: [("database", { try await database.ping() })]).register(on: &router)
        MetricsRoute(
            metrics: metrics, enabled: configuration.metricsEnabled, token: configuration.metricsToken,
            production: configuration.environment == .production
        ).register(on: &router)
        OpenAPIRoute().register(on: &router)
        // Repositories see the store through the timing wrapper (query latency, connections in use).
        var store: any SQLStore =
            configuration.metricsEnabled
            ? InstrumentedSQLStore(
                database, connections: database.connectionCount,
                metrics: metrics)
            : database
        if configuration.tracing != nil { store = TracedSQLStore(store, engine: database.engine) }  // spans per unit and statement
        // Password hashing gets its own threads: never an event loop, never the cooperative pool.
        let hashingPool = BlockingPool(threads: configuration.eventLoops, name: "password-hash")
        var hasher = PasswordHasher(parameters: .init(logN: configuration.passwordHashCost), pool: hashingPool)
        hasher.traced = configuration.tracing != nil
        // Endings reach the other instances on PostgreSQL's LISTEN/NOTIFY; SQLite is one process.
        let sessions = Sessions(
            repository: SQLSessionsRepository(store: store), feed: database.engine == .postgres ? database as? any ChangeFeed : nil,
            lifetimeSeconds: configuration.jwtTTLSeconds, logger: logger)
        let users = UsersService(
            users: SQLUsersRepository(store: store),
            hasher: hasher,
            tokens: await TokenService(
                secret: configuration.jwtSecret, previousSecrets: configuration.jwtPreviousSecrets,
                lifetimeSeconds: configuration.jwtTTLSeconds),
            sessions: sessions)
        let authentication = Authentication(
            users: users,
            cookie: configuration.authCookie
                ? AuthCookie(lifetimeSeconds: configuration.jwtTTLSeconds, writeOrigins: configuration.corsAllowedOrigins) : nil)
        let profiles = ProfilesService(users: SQLUsersRepository(store: store), follows: SQLFollowsRepository(store: store))
        let articles = ArticlesService(
            articles: SQLArticlesRepository(store: store), favorites: SQLFavoritesRepository(store: store),
            comments: SQLCommentsRepository(store: store), views: SQLArticleViewsRepository(store: store))
        // The API's reads: one unit of work per GET request (one connection, one snapshot).
        router.group([ReadUnitMiddleware(store: store)]) { router in
            UsersController(users: users, authentication: authentication, authRateLimit: authRateLimit).register(on: &router)
            ProfilesController(profiles: profiles, authentication: authentication).register(on: &router)
            ArticlesController(articles: articles, authentication: authentication).register(on: &router)
        }
        return (router, sessions)
    }

    /// The whole request path without sockets (middleware, routes, services, the database the
    /// configuration names), for driving requests in process: `conduit-fuzz` does. `close`
    /// releases the database.
    public func makeInProcessResponder(logger: Logger) async throws -> (responder: any HTTPResponder, close: @Sendable () async -> Void) {
        let store = try await Self.openDatabase(configuration, logger: logger)
        do {
            let router = try await makeRouter(store: store, logger: logger).router
            return (RoutedPipeline(middlewares, router: router, errorFormat: ErrorEnvelope.format), { await store.close() })
        } catch {
            await store.close()
            throw error
        }
    }

    /// `conduit migrate`: brings the schema up to date and returns the versions applied.
    public static func migrate(_ configuration: AppConfiguration) async throws -> [Int] {
        let logger = Logger(label: "conduit")
        let store = try await openStore(configuration, logger: logger)
        do {
            let applied = try await Migrator().run(on: store, logger: logger)
            await store.close()
            return applied
        } catch {
            await store.close()
            throw error
        }
    }

    /// Opens the database named by DATABASE_URL and brings its schema up to date.
    static func openDatabase(_ configuration: AppConfiguration, logger: Logger) async throws -> any DatabaseStore {
        let store = try await openStore(configuration, logger: logger)
        do {
            try await Migrator().run(on: store, logger: logger)
        } catch {
            await store.close()
            throw ConfigurationError("database migration failed: \(error)")
        }
        return store
    }

    /// The store DATABASE_URL names: an SQLite file, or a PostgreSQL pool (which must answer
    /// within the connect timeout at start-up; later outages are 503s, not exits).
    static func openStore(_ configuration: AppConfiguration, logger: Logger) async throws -> any DatabaseStore {
        switch try DatabaseLocation(url: configuration.databaseURL) {
        case let .sqlite(path):
            do {
                return try await SQLiteStore.open(
                    path: path, readers: configuration.sqliteReaders > 0 ? configuration.sqliteReaders : configuration.eventLoops, logger: logger)
            } catch {
                throw ConfigurationError("cannot open database \(path): \(error)")
            }
        case let .postgres(url):
            var settings = PostgresStore.Settings()
            settings.poolSize = configuration.databasePoolSize
            settings.connectTimeoutSeconds = configuration.databaseConnectTimeoutSeconds
            settings.statementTimeoutSeconds = configuration.databaseStatementTimeoutSeconds
            do {
                let store = try await PostgresStore.open(url: url, settings: settings, logger: logger)
                logger.notice("database", metadata: [
                    "engine": "postgres", "url": "\(AppConfiguration.maskedURL(url))",
                    "pool_size": .stringConvertible(settings.poolSize),
                ])
                return store
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError("cannot reach PostgreSQL at \(AppConfiguration.maskedURL(url)): \(String(describing: error).prefix(300))")
            }
        }
    }

    /// A started server: the port it listens on, and how to stop it.
    public struct Serving: Sendable {
        public let port: Int
        let server: HTTPServer
        let store: any DatabaseStore
        let tracing: (any SpanExport)?
        /// Sessions' change feed and sweep (``Sessions/run(sweepEvery:)``).
        let sessionUpkeep: Task<Void, Never>

        /// Stops accepting, lets in-flight requests finish (up to `graceSeconds`), closes
        /// idle connections, then releases the database and exports the last spans.
        public func stop(graceSeconds: Int) async {
            server.shutdown(graceSeconds: graceSeconds)
            await server.waitUntilStopped()
            // Cancelled, and given a moment to let go of its connection; never holds the exit.
            sessionUpkeep.cancel()
            let upkeep = sessionUpkeep
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await upkeep.value }
                group.addTask { try? await Task.sleep(for: .seconds(1)) }
                await group.next()
                group.cancelAll()
            }
            await store.close()  // ends the database threads and the PostgreSQL pool's task
            await tracing?.shutdown()  // the last spans, within a bounded time
        }
    }

    /// Opens the database and starts serving on the configured host and port (0: a free one).
    /// What `run()` does before it waits for a signal; tests serve this way over real sockets.
    public func serve(logger: Logger) async throws -> Serving {
        let store = try await Self.openDatabase(configuration, logger: logger)
        var tracing: (any SpanExport)?
        do {
            if let settings = configuration.tracing { tracing = try SpanExports.start(settings, metrics: metrics, logger: logger) }
            let (router, sessions) = try await makeRouter(store: store, logger: logger)
            let responder = RoutedPipeline(middlewares, router: router, errorFormat: ErrorEnvelope.format)
            var serverConfiguration = configuration.server
            if configuration.metricsEnabled { serverConfiguration.observer = metrics }
            let server = HTTPServer(configuration: serverConfiguration, responder: responder, logger: logger)
            let port = try server.start()
            return Serving(port: port, server: server, store: store, tracing: tracing, sessionUpkeep: Task { await sessions.run() })
        } catch {
            await store.close()
            await tracing?.shutdown()
            throw error
        }
    }

    /// Runs until SIGTERM or SIGINT, then drains and returns.
    public func run() async throws {
        let logger = Logger(label: "conduit")
        // Observed from here on: a SIGTERM during start-up drains as soon as the server listens.
        let terminationSignals = TerminationSignals()
        let serving = try await serve(logger: logger)
        if configuration.jwtSecretIsEphemeral {
            logger.warning("JWT_SECRET is not set: using a random secret, tokens will not survive a restart")
        }
        logger.notice("listening", metadata: [
            "host": "\(configuration.host)", "port": .stringConvertible(serving.port),
            "event_loops": .stringConvertible(configuration.eventLoops), "env": "\(configuration.environment.rawValue)",
        ])
        let signal = await terminationSignals.next()
        // The loops first: from here on every response says `Connection: close`, the
        // readiness probe's 503s included.
        serving.server.shutdown(graceSeconds: configuration.shutdownGraceSeconds)
        lifecycle.beginDraining()
        logger.notice("draining", metadata: ["signal": .stringConvertible(signal), "grace_seconds": .stringConvertible(configuration.shutdownGraceSeconds)])
        await serving.stop(graceSeconds: configuration.shutdownGraceSeconds)
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
