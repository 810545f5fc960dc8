import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waits for a condition that a test can only observe by looking again (a count in /proc, a
/// metric, a status another process reports): looked at every `everyMilliseconds` until it
/// holds, or until `limitSeconds` pass (a bound so that a broken server fails the test rather
/// than hanging it, never a claim about speed). Returns whether it holds. The wait ends as
/// soon as the condition holds, so nothing depends on guessing how long something takes.
public func waitUntil(limitSeconds: Double = 30, everyMilliseconds: Int32 = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: limitSeconds)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        _ = poll(nil, 0, everyMilliseconds)
    }
}

/// Time that is part of a scenario rather than a wait for something: a slow client's pause
/// between two pieces of a request, a writer's back-off after a failure, an outage that lasts
/// a while, the window a rate is measured over. Named, so that it is never mistaken for (or
/// used as) an ordering barrier.
public func letTimePass(milliseconds: Int32) {
    let deadline = Date(timeIntervalSinceNow: Double(milliseconds) / 1000)
    while case let left = deadline.timeIntervalSinceNow, left > 0 { _ = poll(nil, 0, Int32(left * 1000) + 1) }
}
