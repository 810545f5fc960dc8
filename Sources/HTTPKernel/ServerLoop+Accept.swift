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
        guard let bound = boundSocket else { return }
        evconnlistener_enable(evhttp_bound_socket_get_listener(bound))
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
