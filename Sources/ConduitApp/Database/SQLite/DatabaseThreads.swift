import Foundation
import HTTPKernel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Dedicated threads that together are one Swift task executor: async code run with it as its
/// preference (`withTaskExecutorPreference`) runs on one of them, and as long as it does not
/// suspend on something else, it stays there. That is how a request's whole database unit of
/// work runs on a database thread: one hop from the event loop, statements run synchronously
/// one after another, one hop back (docs/ARCHITECTURE.md, "Database").
///
/// Jobs wait in one queue, first in first out, and whichever thread is free takes the next
/// one. With a queue per thread, a unit sent to a thread waited behind everything queued there
/// even while another thread sat idle, for instance while the kernel's scheduler had preempted
/// the first thread: the tail of the read latency.
///
/// Blocking calls (SQLite reading pages, fsync on commit) are what these threads are for: they
/// are neither event loops nor threads of the cooperative pool.
final class DatabaseThreads: TaskExecutor, @unchecked Sendable {
    // @unchecked: the queue is behind a Mutex; `threadIDs` is written by each thread before
    // `init` returns and only read afterwards; `wakeup` is a semaphore.

    private struct Queue: ~Copyable {
        /// Jobs from `head` on are waiting; the ones before it were taken.
        var jobs: [UnownedJob] = []
        var head = 0
        var stopping = false
        /// Threads that found no job and wait (or are about to wait) on `wakeup`.
        var sleepers = 0

        mutating func next() -> UnownedJob? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 256, head * 2 >= jobs.count {
                // Never empty under steady load: drop the taken prefix now and then.
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }

        /// Whether the caller must post the semaphore: one sleeper per new job.
        mutating func takeSleeper() -> Bool {
            guard sleepers > 0 else { return false }
            sleepers -= 1
            return true
        }
    }

    private let queue = Mutex(Queue())
    /// Posted once per sleeper to wake. A semaphore rather than a condition variable: a post
    /// made before the sleeper waits is not lost, and posting takes no lock the sleeper must
    /// take again on waking.
    private let wakeup: UnsafeMutablePointer<sem_t>
    private let threadIDs: UnsafeMutableBufferPointer<UInt>

    /// Starts one thread per name (what `top -H`, `perf` and /proc show).
    init(names: [String]) {
        precondition(!names.isEmpty, "at least one database thread")
        wakeup = .allocate(capacity: 1)
        sem_init(wakeup, 0, 0)
        threadIDs = .allocate(capacity: names.count)
        threadIDs.initialize(repeating: 0)
        let started = DispatchSemaphore(value: 0)
        for (index, name) in names.enumerated() {
            // Each thread keeps the executor alive until `stop()` lets it end.
            let thread = Thread { [self] in
                ThreadName.setCurrent(name)
                threadIDs[index] = UInt(pthread_self())
                started.signal()
                run()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in names { started.wait() }
    }

    deinit {
        sem_destroy(wakeup)
        wakeup.deallocate()
        threadIDs.deallocate()
    }

    /// Which of these threads the caller is, if it is one of them.
    var currentIndex: Int? { threadIDs.firstIndex(of: UInt(pthread_self())) }

    /// Whether the caller runs on one of these threads.
    var isCurrent: Bool { currentIndex != nil }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let mustWake = queue.withLock { queue in
            queue.jobs.append(job)
            return queue.takeSleeper()
        }
        if mustWake { sem_post(wakeup) }
    }

    /// Lets the threads finish the jobs queued and end.
    func stop() {
        let sleepers = queue.withLock { queue in
            queue.stopping = true
            defer { queue.sleepers = 0 }
            return queue.sleepers
        }
        for _ in 0..<sleepers { sem_post(wakeup) }
    }

    private func run() {
        while true {
            let (job, stopping) = queue.withLock { queue -> (UnownedJob?, Bool) in
                if let job = queue.next() { return (job, false) }
                if queue.stopping { return (nil, true) }
                queue.sleepers += 1
                return (nil, false)
            }
            if let job {
                job.runSynchronously(on: asUnownedTaskExecutor())
            } else if stopping {
                return
            } else {
                // A job enqueued since the lock was released has posted already: no wait then.
                while sem_wait(wakeup) != 0, errno == EINTR {}
            }
        }
    }
}
