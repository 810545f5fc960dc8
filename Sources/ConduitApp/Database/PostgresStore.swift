import Foundation
import HTTPKernel
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import Synchronization

/// PostgreSQL through postgres-nio's `PostgresClient` (an async connection pool), for several
/// `conduit` instances sharing one database.
///
/// - Reads and single-statement writes each lease a connection for one statement; PostgreSQL
///   serializes conflicting writes itself, so there is no process-wide write lock.
/// - A transaction runs BEGIN ... COMMIT on one leased connection.
/// - Leasing waits at most `connectTimeout`: while the server is down every request fails fast
///   with ``DatabaseUnavailable`` (503 to clients) instead of queueing, and the pool keeps
///   reconnecting in the background, so the instance recovers by itself.
/// - `statement_timeout` is set for every connection at start-up; should a statement still be
///   running a little after it (a server that vanished without closing the socket), the
///   connection is closed, which fails the statement: a request never waits unbounded.
/// - `plan_cache_mode = force_generic_plan` too: a read's prepared statement is planned once per
///   connection. Left to choose, PostgreSQL planned the author's, tag's and later pages again
///   at every execution once the tables were large (0.4-0.5 ms of each 0.6 ms), the author and
///   tag pages falling to 0.56x their 100-article rate with 100,000 articles. Every read's
///   statement is written so that its generic plan follows the indexes (PERFORMANCE.md).
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let connectTimeout: Duration
    /// How long a leased connection may run one unit of work before it is closed.
    let workDeadline: Duration
    let logger: Logger
    /// Where the leases' watchdog timers run (the pool's own event loops).
    let timerLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    private let runner: Task<Void, Never>
    /// Transactions run again after a deadlock or serialization failure (tests read it).
    public let transientRetries = Atomic<Int>(0)

    /// Pool settings from the configuration.
    public struct Settings: Sendable {
        public var poolSize = 10
        public var connectTimeoutSeconds = 3
        public var statementTimeoutSeconds = 10
        public init() {}
    }

    /// The pool's size (metrics).
    public let connectionCount: Int

    private init(client: PostgresClient, connectTimeout: Duration, workDeadline: Duration, poolSize: Int, logger: Logger) {
        self.client = client
        connectionCount = poolSize
        self.connectTimeout = connectTimeout
        self.workDeadline = workDeadline
        self.logger = DriverLogger.make(from: logger)
        runner = Task { await client.run() }
    }

    /// Builds the pool for `url` (postgres:// or postgresql://, `sslmode` as libpq spells it)
    /// and checks that the server answers.
    public static func open(url: String, settings: Settings, logger: Logger) async throws -> PostgresStore {
        let store = PostgresStore(
            client: PostgresClient(configuration: try clientConfiguration(url: url, settings: settings), backgroundLogger: DriverLogger.make(from: logger)),
            connectTimeout: .seconds(settings.connectTimeoutSeconds),
            workDeadline: .seconds(settings.statementTimeoutSeconds + 2), poolSize: settings.poolSize, logger: logger)
        do {
            try await store.ping()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    static func clientConfiguration(url: String, settings: Settings) throws -> PostgresClient.Configuration {
        let parsed: SQLPostgresConfiguration
        do {
            parsed = try SQLPostgresConfiguration(url: url)
        } catch {
            throw ConfigurationError("DATABASE_URL is not a usable PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=...)")
        }
        let core = parsed.coreConfiguration
        let tls: PostgresClient.Configuration.TLS =
            switch (core.tls.isEnforced, core.tls.isAllowed) {
            case (true, _): .require(core.tls.sslContext?.configuration ?? .makeClientConfiguration())
            case (_, true): .prefer(core.tls.sslContext?.configuration ?? .makeClientConfiguration())
            default: .disable
            }
        guard let host = core.host, let port = core.port else {
            throw ConfigurationError("DATABASE_URL must name a host (postgres://user:pass@host:5432/db)")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: core.username, password: core.password, database: core.database, tls: tls)
        // One more than the requests' pool: the change feed's LISTEN holds one for good (it takes
        // it at start, before any request), so that even a pool of one still serves requests.
        configuration.options.maximumConnections = settings.poolSize + 1
        configuration.options.connectTimeout = .seconds(settings.connectTimeoutSeconds)
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(settings.statementTimeoutSeconds * 1000)"),
            ("plan_cache_mode", "force_generic_plan"),
            ("application_name", "conduit"),
        ]
        return configuration
    }

    /// Leases one connection for `body`, waiting at most `connectTimeout` for it; a body still
    /// running `workDeadline` after the lease has its connection closed under it.
    ///
    /// The caller gets an answer at those deadlines whatever the pool and the driver do: the
    /// lease runs in a task of its own, and the first of its result and the watchdog's verdict
    /// resumes the caller. (In a task group the caller would also wait for the lease's task to
    /// finish, and a lease or statement caught in a server's shutdown could keep it forever.)
    /// The lease's task runs on the caller's event loop when there is one (an unstructured task
    /// would go to the global pool: two more thread hops per request), `body` on the leased
    /// connection's own NIO event loop (``EventLoopTaskExecutor``: its statements then cross no
    /// thread), and the watchdog is a timer on a NIO event loop, cancelled when the work
    /// finishes, not a task of its own.
    func withConnection<T: Sendable>(
        unbounded: Bool = false, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let lease = LeaseState()
        let client = self.client
        let timeout = connectTimeout
        let deadline = workDeadline
        let outcome = FirstOutcome<T>()
        let watchdog = Watchdog(loop: timerLoop)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                outcome.install(continuation)
                let work = Task(executorPreference: LoopExecutor.current) {
                    do {
                        let value = try await client.withConnection { connection in
                            guard lease.claim(connection) else { throw DatabaseUnavailable("no connection within \(timeout)") }
                            return try await withTaskExecutorPreference(EventLoopTaskExecutor.of(connection.eventLoop)) {
                                try await body(connection)
                            }
                        }
                        outcome.finish(.success(value))
                    } catch {
                        outcome.finish(.failure(error))
                    }
                }
                watchdog.schedule(after: timeout) {
                    if lease.expire() {
                        work.cancel()
                        outcome.finish(.failure(DatabaseUnavailable("no database connection within \(timeout)")))
                        return
                    }
                    if unbounded { return }
                    // Leased in time: watch the work itself (cancelled as soon as it finishes).
                    watchdog.schedule(after: deadline) {
                        if let connection = lease.connection { _ = connection.close() as EventLoopFuture<Void> }
                        outcome.finish(.failure(DatabaseUnavailable("database work still running after \(deadline); connection closed")))
                    }
                }
                outcome.onFinish { watchdog.cancel() }
            }
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
    }

    public func ping() async throws {
        try await withConnection { connection in _ = try await connection.query("SELECT 1", logger: self.logger).collect() }
    }

    public func close() async {
        runner.cancel()
        await runner.value
    }
}

/// The first of several results, delivered once to the caller's continuation (held until the
/// continuation is installed, should a result come first).
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var finished = false
        var onFinish: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            guard let result = state.result else {
                state.continuation = continuation
                return nil
            }
            state.result = nil
            return result
        }
        if let early { continuation.resume(with: early) }
    }

    /// Runs `action` when the outcome is decided (now, if it already is).
    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.finished { return true }
            state.onFinish = action
            return false
        }
        if runNow { action() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, action) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            let taken = (state.continuation, state.onFinish)
            if state.continuation == nil { state.result = result }
            state.continuation = nil
            state.onFinish = nil
            return taken
        }
        continuation?.resume(with: result)
        action?()
    }
}

/// One pending timer at a time on a NIO event loop; once cancelled, nothing more is scheduled
/// and an action already due does not run.
private final class Watchdog: Sendable {
    private let loop: any EventLoop
    private let state = Mutex<(pending: Scheduled<Void>?, cancelled: Bool)>((nil, false))

    init(loop: any EventLoop) { self.loop = loop }

    func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) {
        let (seconds, attoseconds) = delay.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        state.withLock { state in
            guard !state.cancelled else { return }
            state.pending = loop.scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
                guard !isCancelled else { return }
                action()
            }
        }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func cancel() {
        let pending = state.withLock { state -> Scheduled<Void>? in
            state.cancelled = true
            defer { state.pending = nil }
            return state.pending
        }
        pending?.cancel()
    }
}

/// Whether a lease arrived before its deadline; exactly one of `claim` and `expire` wins.
private final class LeaseState: Sendable {
    private enum Phase { case waiting, leased(PostgresConnection), expired }
    private let state = Mutex<Phase>(.waiting)

    func claim(_ connection: PostgresConnection) -> Bool {
        state.withLock {
            guard case .waiting = $0 else { return false }
            $0 = .leased(connection)
            return true
        }
    }

    func expire() -> Bool {
        state.withLock {
            switch $0 {
            case .waiting: $0 = .expired; return true
            case .expired: return true
            case .leased: return false
            }
        }
    }

    var connection: PostgresConnection? {
        state.withLock { if case let .leased(connection) = $0 { connection } else { nil } }
    }
}

/// The database could not be reached in time; clients get 503 with Retry-After.
public struct DatabaseUnavailable: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension PostgresStore: DatabaseStore {
    public var engine: DatabaseEngine { .postgres }

    /// Inside a unit of work (``read(_:)``) its connection; otherwise a connection leased per statement.
    public var reader: any SQLDatabase { ReadUnit.current ?? PooledPostgresDatabase(store: self) }

    /// One leased connection for the whole unit, without a transaction: what must agree is
    /// read in one statement (a page and its total, an article and its author, follows and
    /// favorites: ``SQLArticleViewsRepository``), and a statement is its own snapshot. BEGIN
    /// and COMMIT would be two more round trips for every request.
    public func read<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        if ReadUnit.current != nil { return try await body() }
        return try await withConnection { connection in
            try await ReadUnit.$current.withValue(self.database(on: connection, prepares: true)) { try await body() }
        }
    }

    /// `connection` as sql-kit's database; with `prepares`, its SELECTs run as named prepared
    /// statements (never inside a transaction).
    func database(on connection: PostgresConnection, prepares: Bool) -> any SQLDatabase {
        LeasedPostgresDatabase(connection: connection, prepares: prepares, logger: logger)
    }

    /// One statement per lease: PostgreSQL needs no application-side write lock.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await body(PooledPostgresDatabase(store: self))
    }

    /// Runs `body` in one transaction on one leased connection. A transaction that PostgreSQL
    /// aborts as a deadlock victim or for a serialization failure (SQLSTATE 40P01, 40001) did
    /// nothing and is run again, at most ``transactionAttempts`` times in all, after a short
    /// random pause so that the contenders do not meet again in step; past that its error
    /// goes up (a 503 whose cause the error middleware logs).
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withConnection { connection in
                    let database = connection.sql(queryLogLevel: nil, logger: self.logger)
                    return try await database.inTransaction { try await body(database) }
                }
            } catch let error as PSQLError where Self.isTransient(error) && attempt < Self.transactionAttempts {
                transientRetries.add(1, ordering: .relaxed)
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 2...(10 * attempt))))
            }
        }
    }

    /// Tries a transaction gets before a deadlock or serialization failure becomes an error.
    static let transactionAttempts = 5

    /// Deadlock victim (40P01) or serialization failure (40001): the transaction was rolled
    /// back whole, so running it again is safe.
    static func isTransient(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    /// Holds a session-level advisory lock for the whole migration run, so that instances
    /// starting together apply each migration exactly once (the others wait, then see it applied).
    public func migrationSession<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        // Migrations may wait for another instance's and may take long: no statement timeout
        // and no deadline here; the connect timeout still bounds the lease.
        try await withConnection(unbounded: true) { connection in
            let database = connection.sql(queryLogLevel: nil, logger: self.logger)
            try await database.raw("SET statement_timeout = 0").run()
            try await database.raw("SELECT pg_advisory_lock(\(bind: Self.migrationLockKey))").run()
            do {
                let result = try await body(database)
                try await database.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                try await database.raw("RESET statement_timeout").run()
                return result
            } catch {
                // Closing the session would release the lock too; the pool may reuse it, so unlock.
                try? await database.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                try? await database.raw("RESET statement_timeout").run()
                throw error
            }
        }
    }

    /// Any fixed 64-bit number; "conduit\0" in ASCII.
    static let migrationLockKey: Int64 = 0x636F_6E64_7569_7400
}

/// An `SQLDatabase` that leases a pooled connection for each statement.
struct PooledPostgresDatabase: AsyncSQLDatabase {
    let store: PostgresStore

    var logger: Logger { store.logger }
    var dialect: any SQLDialect { PostgresDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await store.withConnection { connection in
            try await store.database(on: connection, prepares: true).execute(sql: query, onRow)
        }
    }
}
