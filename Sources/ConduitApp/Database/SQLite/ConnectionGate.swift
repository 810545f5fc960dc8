import Synchronization

/// Exclusive use of one connection by one unit of work at a time, kept on the connection's own
/// thread: units queue on that thread, and one that suspends midway (a hop to an actor) keeps
/// the connection until it ends, while the next unit waits there. Entering and leaving never
/// cross threads, so the connection goes from one unit to the next without a hop back to an
/// event loop in between.
final class ConnectionGate: @unchecked Sendable {
    // @unchecked: `busy` and `waiters` are touched only on `thread` (checked below).
    private let thread: DatabaseThread
    /// Units sent to this connection and not finished, counted from any thread: how the store
    /// picks the least busy reader (``SQLiteStore``).
    let assigned = Atomic<Int>(0)
    private var busy = false
    private var waiters: [UnsafeContinuation<Void, Never>] = []

    init(thread: DatabaseThread) { self.thread = thread }

    /// Waits until the connection is free and takes it. Call it running on `thread`.
    func enter() async {
        precondition(thread.isCurrent, "a connection gate is entered on its connection's thread")
        guard busy else {
            busy = true
            return
        }
        await withUnsafeContinuation { waiters.append($0) }
    }

    /// Hands the connection to the next waiting unit, or frees it. On `thread`.
    func leave() {
        precondition(thread.isCurrent, "a connection gate is left on its connection's thread")
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()  // ownership passes straight to the next unit
        }
    }
}
