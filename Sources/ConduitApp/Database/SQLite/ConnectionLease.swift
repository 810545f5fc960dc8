import Synchronization

/// Exclusive use of a set of connections, one unit of work per connection at a time. A unit
/// that suspends midway (a hop to an actor) keeps its connection until it ends, and its
/// statements may then run on another of the connections' threads: SQLite allows a
/// connection to move between threads, never to be used by two at once.
final class ConnectionLease: Sendable {
    private struct State: ~Copyable {
        var free: [Bool]
        /// Units waiting for a connection, first come first served.
        var waiters: [UnsafeContinuation<Int, Never>] = []

        mutating func take(preferring preferred: Int?) -> Int? {
            if let preferred, free[preferred] {
                free[preferred] = false
                return preferred
            }
            guard let index = free.firstIndex(of: true) else { return nil }
            free[index] = false
            return index
        }
    }

    private let state: Mutex<State>

    init(connections: Int) {
        state = Mutex(State(free: Array(repeating: true, count: connections)))
    }

    /// Takes a free connection, `preferred` if it is free (the connection the current thread
    /// used last, whose pages are in this core's cache); waits for one when none is.
    func acquire(preferring preferred: Int? = nil) async -> Int {
        if let index = state.withLock({ $0.take(preferring: preferred) }) { return index }
        return await withUnsafeContinuation { continuation in
            let index: Int? = state.withLock { state in
                if let index = state.take(preferring: preferred) { return index }
                state.waiters.append(continuation)
                return nil
            }
            if let index { continuation.resume(returning: index) }
        }
    }

    /// Hands the connection to the unit that waited longest, or frees it.
    func release(_ index: Int) {
        let waiter = state.withLock { state -> UnsafeContinuation<Int, Never>? in
            guard !state.waiters.isEmpty else {
                state.free[index] = true
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: index)
    }
}
