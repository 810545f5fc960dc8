import CLibevent
import CLibeventLayout

/// Fewer system calls per request than evhttp makes on its own.
///
/// Counted here with `perf stat` under wrk (keep-alive, one request per round trip), evhttp 2.1
/// as shipped makes seven system calls per request: `readv`, `ioctl(FIONREAD)`, `writev`, an
/// `epoll_wait` share, and four `epoll_ctl`s: reading is switched off while the request is
/// handled and back on after the reply, and writing is switched on to learn that the socket is
/// writable, then off once the reply is written, so every reply also waits one loop iteration.
///
/// - The epoll backend's change list (`EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST`) applies only the
///   net change of an iteration when the loop next polls: an on-then-off is no call at all.
///   libevent's caveat is descriptors cloned with dup(), which this server never makes.
/// - After handing evhttp a reply, the loop activates the connection's write event itself
///   (``Connection/writeNow()``): the bufferevent writes in the same iteration, as it would
///   have after epoll reported the socket writable (a socket that is not writable yet just
///   reschedules, as before), so the write interest never reaches epoll.
///
/// Together: four system calls per request (one `epoll_ctl` left, re-arming reading), and
/// 1.2-1.3x the requests per second of evhttp without them (docs/ARCHITECTURE.md).
extension EventLoop {
    static func makeBase() -> OpaquePointer? {
        guard let configuration = event_config_new() else { return nil }
        defer { event_config_free(configuration) }
        event_config_set_flag(configuration, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        return event_base_new_with_config(configuration)
    }

    /// Whether a bufferevent's write event is where `conduit_bufferevent_write_event` says it
    /// is: that function reads libevent's struct layout, which only holds for the libevent it
    /// was compiled against. Checked once per loop on a throwaway bufferevent; when it fails,
    /// replies are written the ordinary way, after epoll reports the socket writable.
    static func bufferEventLayoutHolds(base: OpaquePointer) -> Bool {
        guard let probe = bufferevent_socket_new(base, -1, 0) else { return false }
        defer { bufferevent_free(probe) }
        guard let event = conduit_bufferevent_write_event(probe) else { return false }
        return event_get_base(event) == base
            && event_get_callback_arg(event) == UnsafeMutableRawPointer(probe)
            && event_get_events(event) & Int16(EV_WRITE) != 0
            && event_get_fd(event) == -1
    }
}

extension Connection {
    /// Lets the bufferevent write what evhttp just queued, in this loop iteration.
    func writeNow() {
        if let writeEvent { event_active(writeEvent, Int32(EV_WRITE), 1) }
    }
}
