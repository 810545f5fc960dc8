/// Lets an application watch the kernel (for metrics) without the kernel knowing what it does
/// with what it sees.
///
/// The server asks the observer once per event loop for a ``LoopObserver``; that object is then
/// called only on its loop's thread, so it can keep plain (unlocked) per-loop state, such as a
/// cache of metric handles per route. Calls happen on the request path: they must be cheap,
/// never block and never suspend.
public protocol ServerObserver: Sendable {
    /// Called once per loop, before the loop runs.
    func makeLoopObserver(loop: Int) -> any LoopObserver
    /// How often each loop samples its lag and queue depth (``LoopObserver/sampled(_:)``).
    var sampleIntervalMilliseconds: Int { get }
}

extension ServerObserver {
    public var sampleIntervalMilliseconds: Int { 500 }
}

/// One event loop's observer; every call comes from that loop's thread.
public protocol LoopObserver: AnyObject {
    /// A response was handed to evhttp. `route` is the matched template (nil when no route
    /// matched: 404, 405, or an answer the loop produced itself); `durationNanoseconds` runs from
    /// the complete request to the reply.
    func responded(method: HTTPMethod, route: String?, status: Int, durationNanoseconds: UInt64)
    /// A request was refused with 503 because the loop had `maxInFlightPerLoop` requests
    /// running (load shedding). ``responded(method:route:status:durationNanoseconds:)`` follows.
    func shed()
    /// A periodic sample of the loop's health.
    func sampled(_ sample: LoopSample)
}

/// What a loop reports every ``ServerObserver/sampleIntervalMilliseconds``.
public struct LoopSample: Sendable {
    /// How late the sampling timer fired after its due time: how long work queued on this loop
    /// waits before the loop gets to it (blocked loop, CPU starvation).
    public var lagNanoseconds: UInt64
    /// Jobs and closures waiting in the loop executor's queues when the timer fired.
    public var executorQueueDepth: Int
    /// Requests handed to a handler and not yet answered.
    public var inFlight: Int
    /// Open client connections.
    public var connections: Int

    public init(lagNanoseconds: UInt64, executorQueueDepth: Int, inFlight: Int, connections: Int) {
        self.lagNanoseconds = lagNanoseconds
        self.executorQueueDepth = executorQueueDepth
        self.inFlight = inFlight
        self.connections = connections
    }
}
