import CLibevent
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// How a loop stops: a drain that lets in-flight requests finish, then a teardown that frees
/// what the loop made.
extension ServerLoop {
    /// Stops accepting, closes idle connections, lets in-flight requests finish (their
    /// responses say `Connection: close`) and stops the loop when nothing is left or
    /// `graceSeconds` passed.
    func beginDrain(graceSeconds: Int) {
        preconditionOnLoop()
        guard !draining else { return }
        draining = true
        drainDeadline = ServerLoop.monotonicSeconds() + graceSeconds
        if let boundSocket {
            event_del(acceptResumeEvent)
            evhttp_del_accept_socket(http, boundSocket)
            self.boundSocket = nil
        }
        closeIdleConnections()
        if let sampleEvent { event_del(sampleEvent) }
        executor.runInline { releaseIdleWorkers() }
        finishDrainIfDone()
    }

    func finishDrainIfDone() {
        guard draining else { return }
        let busy = inFlight > 0 || connections.values.contains { !$0.isIdleAndFlushed }
        if !busy || ServerLoop.monotonicSeconds() >= drainDeadline {
            if busy {
                logger.warning("shutdown grace period over", metadata: ["loop": "\(index)", "in_flight": "\(inFlight)"])
            }
            closeIdleConnections()
            event_base_loopexit(base, nil)
        }
    }

    /// Frees what the loop made, on its thread, after its last callback: libevent has no
    /// thread of its own, so nothing calls into these objects afterwards. Without it, every
    /// stopped server kept its epoll descriptor, its eventfd and its evhttp's memory (tests
    /// start and stop hundreds).
    func tearDown() {
        AcceptErrors.unregister(http: http)
        // From here on, work sent from other threads (a handler finishing after the grace
        // period) is dropped, as it was when the thread just ended; and since nobody writes to
        // the eventfd any more, it can be closed.
        executor.close()
        // evhttp_free closes the connections left (past the grace period) and the listener if
        // still bound; their close callbacks are no drain progress any more.
        closingInBulk = true
        evhttp_free(http)
        connections.removeAll()
        pendingBufferEvents.removeAll()
        pendingRefusals.removeAll()
        pendingReleases.removeAll()
        for event in [wakeEvent, tickEvent, registerEvent, refuseEvent, releaseEvent, acceptResumeEvent, sampleEvent] {
            if let event { event_free(event) }
        }
        event_base_free(base)
        close(wakeFD)
        free(serverNameC)
        for header in commonHeadersC {
            free(header.cName)
            free(header.cValue)
        }
    }
}
