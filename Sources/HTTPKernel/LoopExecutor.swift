import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The Swift concurrency executor of one event loop: jobs run on the loop's own thread.
///
/// Request tasks prefer this executor (`Task(executorPreference:)`), so a handler that does not
/// suspend runs start to finish inside the evhttp callback that received the request, with no
/// thread hop, and its reply is written on the thread that owns the connection. Measured here,
/// hopping to the global pool and back cost 13-19% of throughput (docs/ARCHITECTURE.md).
/// The price: a handler must never block. Blocking or CPU-heavy steps go to ``BlockingPool``;
/// when they finish, their continuation comes back through the cross-thread queue below.
public final class LoopExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `local` and `draining` are touched only on the loop thread (checked through
    // `isLoopThread`); `remote` is behind a Mutex; `wake` is thread-safe by contract, and not
    // called any more once ``close()`` returned.

    enum Work {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    /// The executor of the loop whose request the current task serves (nil outside requests).
    /// Work a handler starts in a task of its own (`Task(executorPreference:)`) can run on the
    /// same loop, where an unstructured task would otherwise go to the global pool and back.
    @TaskLocal public static var current: LoopExecutor?

    private var local: [Work] = []
    private var draining = false
    private let remote = Mutex(RemoteQueue())
    /// The loop thread's `pthread_t`, 0 until the loop runs.
    private let loopThread = Atomic<UInt>(0)
    private let wake: @Sendable () -> Void
    /// Calls to `wake` decided under the queue's lock and not yet returned: ``close()`` waits
    /// for them, so that the loop closes its eventfd only once no thread may still write to it.
    private let wakesInProgress = Atomic<Int>(0)

    struct RemoteQueue: ~Copyable {
        var items: [Work] = []
        var wakePending = false
        /// The loop has stopped: work is dropped, and nobody wakes it.
        var closed = false
    }

    /// - Parameters:
    ///   - wake: makes the loop call ``runPending()`` soon; callable from any thread.
    init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    /// Called once by the loop's thread before it runs anything.
    func bindToCurrentThread() { loopThread.store(UInt(pthread_self()), ordering: .releasing) }

    /// Whether the caller is the loop's thread.
    var isLoopThread: Bool { loopThread.load(ordering: .relaxed) == UInt(pthread_self()) }

    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    /// Runs `body` on the loop thread: now if the caller is on it, otherwise soon.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        if isLoopThread { body() } else { submit(.closure(body)) }
    }

    private func submit(_ work: Work) {
        if isLoopThread {
            local.append(work)
            if !draining { wake() }
            return
        }
        let mustWake = remote.withLock { queue in
            guard !queue.closed else { return false }
            queue.items.append(work)
            defer { queue.wakePending = true }
            guard !queue.wakePending else { return false }
            wakesInProgress.add(1, ordering: .relaxed)
            return true
        }
        if mustWake {
            wake()
            wakesInProgress.subtract(1, ordering: .releasing)
        }
    }

    /// Called on the loop thread once the loop has stopped for good: later work is dropped
    /// (no thread would run it), no thread counts as the loop's any more (a new thread may get
    /// the same `pthread_t`), and when this returns nobody is inside `wake`.
    func close() {
        remote.withLock { queue in
            queue.closed = true
            queue.items = []
        }
        local = []
        loopThread.store(0, ordering: .releasing)
        while wakesInProgress.load(ordering: .acquiring) > 0 { sched_yield() }
    }

    /// Jobs waiting to run: the cross-thread queue plus the loop's own. Called on the loop
    /// thread (the local queue is only touched there); takes the queue's lock once.
    var queueDepth: Int {
        remote.withLock { $0.items.count } + local.count
    }

    /// Runs `body` (which usually starts a task), then every job that became ready meanwhile,
    /// on the loop thread. Jobs enqueued during `body` are not scheduled through the wake event.
    func runInline(_ body: () -> Void) {
        if draining {
            body()
            return
        }
        draining = true
        body()
        drainLocal()
        draining = false
    }

    /// Called by the loop's wake event: takes the cross-thread queue and runs everything ready.
    func runPending() {
        let items: [Work] = remote.withLock { queue in
            queue.wakePending = false
            let items = queue.items
            queue.items = []
            return items
        }
        let wasDraining = draining
        draining = true
        local.append(contentsOf: items)
        drainLocal()
        draining = wasDraining
    }

    private func drainLocal() {
        var index = 0
        while index < local.count {
            switch local[index] {
            case let .job(job): job.runSynchronously(on: asUnownedTaskExecutor())
            case let .closure(body): body()
            }
            index += 1
        }
        local.removeAll(keepingCapacity: true)
    }
}
