import Foundation
import HTTPKernel
import Synchronization

/// A dedicated thread that is also a Swift task executor: async code run with this executor as
/// its preference (`withTaskExecutorPreference`) runs here, and as long as it does not suspend
/// on something else, it stays here. That is how a request's whole database unit of work runs
/// on the thread that owns the SQLite connection: one hop from the event loop, statements run
/// synchronously one after another, one hop back (docs/ARCHITECTURE.md, "Database").
///
/// Blocking calls (SQLite reading pages, fsync on commit) are what this thread is for: it is
/// neither an event loop nor a thread of the cooperative pool.
final class DatabaseThread: TaskExecutor, @unchecked Sendable {
    // @unchecked: the queue is behind a Mutex; `thread` is set once, before any job arrives.

    private struct Queue: ~Copyable {
        var jobs: [UnownedJob] = []
        var stopping = false
    }

    private let queue = Mutex(Queue())
    private let condition = NSCondition()
    private let name: String
    private let threadID = Atomic<UInt>(0)

    init(name: String) {
        self.name = name
        let started = DispatchSemaphore(value: 0)
        // The thread keeps its executor alive until `stop()` lets it end.
        let thread = Thread { [self] in
            ThreadName.setCurrent(name)
            threadID.store(UInt(pthread_self()), ordering: .releasing)
            started.signal()
            run()
        }
        thread.stackSize = 1 << 20
        thread.start()
        started.wait()
    }

    /// Whether the caller runs on this thread.
    var isCurrent: Bool { threadID.load(ordering: .relaxed) == UInt(pthread_self()) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let wasEmpty = queue.withLock { queue in
            queue.jobs.append(job)
            return queue.jobs.count == 1
        }
        if wasEmpty {
            condition.lock()
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets the thread finish the jobs it has and end.
    func stop() {
        queue.withLock { $0.stopping = true }
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var batch: [UnownedJob] = []
        while true {
            let stopping = queue.withLock { queue in
                swap(&batch, &queue.jobs)
                return queue.stopping
            }
            if batch.isEmpty {
                if stopping { return }
                condition.lock()
                // Checked again under the condition's lock: a job enqueued since would have
                // signalled before this thread waits, and the signal would be lost.
                if queue.withLock({ $0.jobs.isEmpty && !$0.stopping }) { condition.wait() }
                condition.unlock()
                continue
            }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
