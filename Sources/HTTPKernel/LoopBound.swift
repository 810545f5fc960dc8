#if canImport(Glibc)
import Glibc
#endif

/// A value that belongs to one loop's thread, in a box that may go anywhere: like swift-nio's
/// `NIOLoopBound`. A request's evhttp objects travel with its handler, which may finish on
/// another thread, but may only be touched on their loop's thread; ``value`` checks that at
/// run time, in release builds too (a `pthread_self` compare: nothing measurable next to the
/// reply it guards).
struct LoopBound<Value>: @unchecked Sendable {
    // @unchecked: sound because the value is reachable only through `value`, which traps on any
    // thread but the one that made the box (the loop's), so it is never touched concurrently.
    private let storedValue: Value
    private let owner: pthread_t

    /// Boxes `value` for the calling thread, which must be `executor`'s loop thread.
    init(_ value: Value, on executor: LoopExecutor) {
        precondition(executor.isLoopThread, "a LoopBound made off its loop thread")
        storedValue = value
        owner = pthread_self()
    }

    /// The value; traps off the owning loop's thread.
    var value: Value {
        precondition(pthread_equal(owner, pthread_self()) != 0, "a LoopBound value touched off its loop thread")
        return storedValue
    }
}
