import CLibevent
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What to do when accept(2) fails, typically with EMFILE when every file descriptor is in use.
///
/// Left to itself, libevent's listener retries at once: the pending connection keeps the socket
/// readable, so the loop spins at 100% CPU and writes a warning per attempt (measured: 1.4
/// million lines in 3 s). Instead the loop stops accepting for 100 ms and logs once per pause,
/// while it keeps serving the connections it has; closing them frees descriptors.
extension ServerLoop {
    static let acceptPause = timeval(tv_sec: 0, tv_usec: 100_000)

    func acceptFailed(errno code: Int32) {
        guard let bound = boundSocket else { return }
        evconnlistener_disable(evhttp_bound_socket_get_listener(bound))
        var pause = Self.acceptPause
        event_add(acceptResumeEvent, &pause)
        acceptPausedCount += 1
        // Every pause at first, then one line in a hundred: the condition can last.
        if acceptPausedCount <= 10 || acceptPausedCount.isMultiple(of: 100) {
            logger.warning("accept failed, pausing new connections for 100 ms", metadata: [
                "loop": .stringConvertible(index), "error": .string(String(cString: strerror(code))),
                "pauses": .stringConvertible(acceptPausedCount),
            ])
        }
    }

    func resumeAccepting() {
        guard let bound = boundSocket, !acceptGated else { return }
        evconnlistener_enable(evhttp_bound_socket_get_listener(bound))
    }

    /// Connections this loop has accepted and not closed (those evhttp is still setting up too).
    var openConnectionCount: Int { connections.count + pendingBufferEvents.count }

    /// Reports this loop's count to the balance and listens or not by its answer. Called on
    /// accept (inside libevent's accept loop, which stops once the listener is disabled) and
    /// on close.
    func connectionCountChanged() {
        guard let balance else { return }
        applyAcceptGate(listen: balance.update(loop: index, connections: openConnectionCount, now: ServerLoop.monotonicSeconds()))
    }

    /// Looks again at whether to listen: asked by a loop that stopped, and every tick (which
    /// also tells the others this loop is alive).
    func reconsiderAccepting() {
        guard let balance else { return }
        applyAcceptGate(listen: balance.shouldListen(loop: index, now: ServerLoop.monotonicSeconds()))
    }

    private func applyAcceptGate(listen: Bool) {
        guard let bound = boundSocket, listen == acceptGated else { return }
        acceptGated = !listen
        let listener = evhttp_bound_socket_get_listener(bound)
        if listen {
            if !acceptPaused { evconnlistener_enable(listener) }
            return
        }
        evconnlistener_disable(listener)
        // The loop with the fewest connections may be one that stopped earlier: it must listen.
        for peer in peers {
            guard let loop = peer.loop else { continue }
            loop.executor.execute { loop.reconsiderAccepting() }
        }
    }
}

/// Finds the loop of an evhttp from libevent's listener error callback, whose only argument is
/// the evhttp pointer. Touched at start, at stop and on accept errors only.
enum AcceptErrors {
    private static let loops = Mutex<[UInt: Unmanaged<ServerLoop>]>([:])

    static func register(_ loop: ServerLoop, http: OpaquePointer) {
        loops.withLock { $0[UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(http)))] = .passUnretained(loop) }
    }

    static func unregister(http: OpaquePointer) {
        loops.withLock { $0[UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(http)))] = nil }
    }

    static func loop(for http: UnsafeMutableRawPointer?) -> ServerLoop? {
        guard let http else { return nil }
        return loops.withLock { $0[UInt(bitPattern: Int(bitPattern: http))]?.takeUnretainedValue() }
    }
}
