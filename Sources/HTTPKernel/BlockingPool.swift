import Dispatch
import Foundation
import Synchronization

/// A fixed set of threads for work that blocks or burns CPU (password hashing).
///
/// Request handlers run on their event loop's thread, so they must never block; they `await`
/// this pool instead, and their continuation comes back to the loop when the work is done.
/// The pool is bounded by its thread count: excess work waits in its queue rather than
/// starving the loops or Swift's cooperative pool.
public final class BlockingPool: Sendable {
    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    public let threadCount: Int

    private struct State: ~Copyable {
        var queue: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }

    public init(threads: Int, name: String) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            let threadName = "\(name)-\(index)"
            let thread = Thread { [self] in
                ThreadName.setCurrent(threadName)
                self.work()
            }
            thread.start()
        }
    }

    /// Runs `body` on a pool thread and returns its result to the caller's executor.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state in
                guard !state.stopped else { return false }
                state.queue.append { continuation.resume(with: Result { try body() }) }
                return true
            }
            if accepted {
                available.signal()
            } else {
                continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Lets queued work finish, then ends the threads. Later `run` calls throw.
    public func shutdown() {
        state.withLock { $0.stopped = true }
        for _ in 0..<threadCount { available.signal() }
    }

    private func work() {
        while true {
            available.wait()
            let next: (@Sendable () -> Void)? = state.withLock { state in
                guard state.head < state.queue.count else { return nil }
                let item = state.queue[state.head]
                state.head += 1
                if state.head == state.queue.count {
                    state.queue.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                return item
            }
            guard let next else {
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            next()
        }
    }
}
