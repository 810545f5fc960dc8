import Synchronization

/// Exclusive use of one of `count` connections, first come, first served. Waiters suspend
/// (they never block a thread) and are handed a connection directly by the one releasing it.
/// A lock, not an actor: an uncontended lease costs a mutex, not two hops to the cooperative
/// pool.
final class ConnectionLeases: Sendable {
    private struct State: ~Copyable {
        var free: [Int]
        var waiters: [UnsafeContinuation<Int, Never>] = []
        var firstWaiter = 0
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(free: Array((0..<count).reversed())))
    }

    /// The index of a connection that is now the caller's until ``release(_:)``.
    func acquire() async -> Int {
        if let index = state.withLock({ $0.free.popLast() }) { return index }
        return await withUnsafeContinuation { continuation in
            let index: Int? = state.withLock { state in
                if let index = state.free.popLast() { return index }
                state.waiters.append(continuation)
                return nil
            }
            if let index { continuation.resume(returning: index) }
        }
    }

    func release(_ index: Int) {
        let waiter: UnsafeContinuation<Int, Never>? = state.withLock { state in
            guard state.firstWaiter < state.waiters.count else {
                state.free.append(index)
                return nil
            }
            let waiter = state.waiters[state.firstWaiter]
            state.firstWaiter += 1
            if state.firstWaiter == state.waiters.count {
                state.waiters.removeAll(keepingCapacity: true)
                state.firstWaiter = 0
            }
            return waiter
        }
        waiter?.resume(returning: index)
    }
}
