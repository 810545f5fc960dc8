import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// The loop's clocks: a once-a-second tick for what may be coarse (the Date header, connection
/// deadlines, drain progress) and the observer's lag sampling.
extension ServerLoop {
    /// Once a second: the Date header, the coarse clock, connection deadlines, drain progress.
    func tick() {
        dateCache.refresh()
        coarseNow = ServerLoop.monotonicSeconds()
        enforceDeadlines()
        reconsiderAccepting()
        if draining { finishDrainIfDone() }
    }

    /// Event-loop lag: a one-shot timer records how late it fired compared with when it was
    /// due, then re-arms itself; a loop busy with a long callback or starved of CPU fires late.
    func sample() {
        let now = ServerLoop.monotonicNanoseconds()
        let lag = now > sampleDue ? now - sampleDue : 0
        observer?.sampled(LoopSample(
            lagNanoseconds: lag, executorQueueDepth: executor.queueDepth, inFlight: inFlight, connections: connections.count))
        if !draining { armSample() }
    }

    func armSample() {
        guard let sampleEvent else { return }
        sampleDue = ServerLoop.monotonicNanoseconds() + sampleIntervalNanoseconds
        var interval = timeval(
            tv_sec: Int(sampleIntervalNanoseconds / 1_000_000_000),
            tv_usec: Int(sampleIntervalNanoseconds % 1_000_000_000 / 1000))
        event_add(sampleEvent, &interval)
    }

    static func monotonicSeconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
