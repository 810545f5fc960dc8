import CoreMetrics
import Logging
import NIOCore
import SQLKit
import Synchronization

/// Any ``SQLStore`` with its statements timed and its connections counted, whatever database
/// is behind it: the wrapper sits on the `SQLStore` protocol the repositories use, so the
/// PostgreSQL store reports through the same metrics as SQLite.
///
/// - `conduit_db_query_duration_seconds{kind="read"|"write"}`: every statement, from the
///   moment it is sent to the moment its last row arrived (waiting for a connection excluded).
/// - `conduit_db_pool_connections{state="in_use"|"idle"}`: connections running a statement or
///   held for a write/transaction, and the rest of `connections`. For SQLite that is its reader
///   and its writer (2); statements queued on the reader count it as in use once.
public final class InstrumentedSQLStore: SQLStore {
    private let base: any SQLStore
    private let readTimer: CoreMetrics.Timer
    private let writeTimer: CoreMetrics.Timer
    private let usage: Usage

    /// Busy-state bookkeeping shared by the store and its database views.
    final class Usage: Sendable {
        let connections: Int
        private let state = Mutex((readers: 0, writers: 0))
        let inUse: CoreMetrics.Gauge
        let idle: CoreMetrics.Gauge

        init(connections: Int, inUse: CoreMetrics.Gauge, idle: CoreMetrics.Gauge) {
            self.connections = connections
            self.inUse = inUse
            self.idle = idle
            publish(busy: 0)
        }

        func change(readers: Int = 0, writers: Int = 0) {
            let busy = state.withLock { state in
                state.readers += readers
                state.writers += writers
                // Readers share connections up to what is left after the writers.
                return min(connections, state.writers + min(state.readers, max(1, connections - 1)))
            }
            publish(busy: busy)
        }

        private func publish(busy: Int) {
            inUse.record(busy)
            idle.record(max(0, connections - busy))
        }
    }

    /// - Parameter connections: how many connections `base` holds (SQLite: 2, a reader and a writer).
    public init(_ base: any SQLStore, connections: Int, metrics: AppMetrics) {
        self.base = base
        readTimer = metrics.timer(.dbQueryDuration, [("kind", "read")])
        writeTimer = metrics.timer(.dbQueryDuration, [("kind", "write")])
        usage = Usage(
            connections: connections, inUse: metrics.gauge(.dbPoolConnections, [("state", "in_use")]),
            idle: metrics.gauge(.dbPoolConnections, [("state", "idle")]))
    }

    public var reader: any SQLDatabase { TimedDatabase(base: base.reader, timer: readTimer, usage: usage, countsAsReader: true) }

    public func read<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await base.read(body)
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await base.write { [self] database in
            try await held { try await body(TimedDatabase(base: database, timer: writeTimer, usage: usage, countsAsReader: false)) }
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await base.transaction { [self] database in
            try await held { try await body(TimedDatabase(base: database, timer: writeTimer, usage: usage, countsAsReader: false)) }
        }
    }

    /// The writer is in use from the moment it was obtained until `body` ends.
    private func held<T>(_ body: () async throws -> T) async throws -> T {
        usage.change(writers: 1)
        defer { usage.change(writers: -1) }
        return try await body()
    }
}

/// An `SQLDatabase` that times each statement and forwards everything else.
struct TimedDatabase: ForwardingSQLDatabase {
    let base: any SQLDatabase
    let timer: CoreMetrics.Timer
    let usage: InstrumentedSQLStore.Usage
    let countsAsReader: Bool

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let started = ContinuousClock.now
        if countsAsReader { usage.change(readers: 1) }
        let future = base.execute(sql: query, onRow)
        future.whenComplete { [timer, usage, countsAsReader] _ in
            timer.recordInterval(since: started)
            if countsAsReader { usage.change(readers: -1) }
        }
        return future
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let started = ContinuousClock.now
        if countsAsReader { usage.change(readers: 1) }
        defer {
            timer.recordInterval(since: started)
            if countsAsReader { usage.change(readers: -1) }
        }
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { session in
            try await closure(TimedDatabase(base: session, timer: timer, usage: usage, countsAsReader: countsAsReader))
        }
    }
}

extension CoreMetrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
