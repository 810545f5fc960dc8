import NIOCore
import Synchronization

/// A NIO event loop as a Swift task executor: async code run with it as its preference runs on
/// that loop's thread. A PostgreSQL unit of work runs on the event loop of the connection it
/// leased (``PostgresStore/withConnection(unbounded:_:)``): postgres-nio then writes each
/// statement and completes it on the thread it is already on, where from any other thread each
/// statement crossed threads twice (the write handed to the loop, the answer handed back). A
/// request now crosses twice in all, whatever its statement count, as on SQLite.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    private init(loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    /// The executor of `loop`, made once per loop (a process has a few, from its event loop group).
    static func of(_ loop: any EventLoop) -> EventLoopTaskExecutor {
        executors.withLock { executors in
            if let executor = executors[ObjectIdentifier(loop)] { return executor }
            let executor = EventLoopTaskExecutor(loop: loop)
            executors[ObjectIdentifier(loop)] = executor
            return executor
        }
    }
}
