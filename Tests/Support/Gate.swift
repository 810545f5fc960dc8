import Foundation

/// A barrier a test controls, in place of sleeping and hoping: code under test calls ``pass()``,
/// which counts its arrival and blocks its thread until the test ``open()``s the gate; the test
/// waits for arrivals with ``waitForArrivals(_:)``. So "the handler is in flight" is a fact the
/// test waits for, not a guess about timing.
///
/// `@unchecked Sendable`: `arrived` and `isOpen` are only read and written holding `condition`.
public final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrived = 0
    private var isOpen: Bool
    /// A bound on every wait, so that a broken server fails the test instead of hanging it.
    private let limit: TimeInterval

    public init(open: Bool = false, limitSeconds: TimeInterval = 30) {
        isOpen = open
        limit = limitSeconds
    }

    /// Counts the caller's arrival, then blocks until the gate is open.
    public func pass() {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: limit)
        while !isOpen, condition.wait(until: deadline) {}
    }

    /// Blocks until `count` callers have arrived; false if that did not happen within the limit.
    public func waitForArrivals(_ count: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: limit)
        while arrived < count { if !condition.wait(until: deadline) { return arrived >= count } }
        return true
    }

    public func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Values appended by the code under test (from any thread), which a test waits on.
///
/// `@unchecked Sendable`: `values` is only read and written holding `condition`.
public final class EventLog<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var values: [Value] = []
    private let limit: TimeInterval

    public init(limitSeconds: TimeInterval = 30) { limit = limitSeconds }

    public func append(_ value: Value) {
        condition.lock()
        values.append(value)
        condition.broadcast()
        condition.unlock()
    }

    public var all: [Value] {
        condition.lock()
        defer { condition.unlock() }
        return values
    }

    /// Blocks until `predicate` holds for what has been appended; false if it did not within
    /// the limit.
    public func wait(until predicate: ([Value]) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: limit)
        while !predicate(values) { if !condition.wait(until: deadline) { return predicate(values) } }
        return true
    }
}
