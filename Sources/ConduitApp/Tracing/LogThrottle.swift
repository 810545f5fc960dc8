import Synchronization

/// Lets a log line through at most once per `interval` and counts the ones held back in
/// between: a line that any client can cause on every request must not flood the log.
/// A class, shared by the copies swift-log makes of the handler that owns it.
final class LogThrottle: Sendable {
    let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex<(last: ContinuousClock.Instant?, heldBack: Int)>((nil, 0))

    init(interval: Duration = .seconds(60), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.interval = interval
        self.now = now
    }

    /// nil when the line is to be held back; otherwise how many were held back since the last
    /// one let through.
    func admit() -> Int? {
        let time = now()
        return state.withLock { state in
            if let last = state.last, time - last < interval {
                state.heldBack += 1
                return nil
            }
            defer { state = (time, 0) }
            return state.heldBack
        }
    }
}
