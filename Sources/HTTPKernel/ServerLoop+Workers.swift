/// A request on its way from the loop to a request task.
struct RequestWork: Sendable {
    let request: HTTPRequest
    let exchange: LoopBound<PendingExchange>
}

/// Request tasks are reused: after answering, a task parks on a continuation until the loop has
/// another request for it. Resuming a parked task costs a fraction of creating and destroying a
/// task per request (measured: creating one per request cost about 5% of plaintext throughput).
/// Every task prefers the loop's executor, so it runs on the loop thread like a new one would.
extension ServerLoop {
    /// Parked tasks kept at most; beyond that a task ends after its request.
    static let maxIdleWorkers = 256

    /// Hands `work` to a parked task, or to a new one. On the loop thread.
    func dispatch(_ work: RequestWork) {
        if let worker = idleWorkers.popLast() {
            worker.resume(returning: work)
        } else {
            Task(executorPreference: executor) { [executor] in
                await LoopExecutor.$current.withValue(executor) { await self.serve(first: work) }
            }
        }
    }

    private func serve(first: RequestWork) async {
        var next: RequestWork? = first
        while let work = next {
            let response: HTTPResponse
            do {
                response = try await responder.respond(to: work.request)
            } catch {
                // The application's error middleware should have answered; this is the net.
                response = ErrorMiddleware.response(for: error, request: work.request, format: configuration.errorFormat)
            }
            complete(work.exchange, with: response)
            next = await park()
        }
    }

    /// Waits for the next request, or returns nil when the task should end.
    private func park() async -> RequestWork? {
        guard isOnLoopThread, !draining, idleWorkers.count < Self.maxIdleWorkers else { return nil }
        return await withUnsafeContinuation { idleWorkers.append($0) }
    }

    /// Ends every parked task (when the loop drains).
    func releaseIdleWorkers() {
        let workers = idleWorkers
        idleWorkers.removeAll()
        for worker in workers { worker.resume(returning: nil) }
    }
}
