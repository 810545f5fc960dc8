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
/// Together: four system calls per request (one `epoll_ctl` left, re-arming reading).
///
/// Pipelined requests: evhttp reads the next request only once the current reply is written,
/// so each reply would be its own `writev` (and TCP segment). When the next request is already
/// wholly buffered, the reply is held instead (``Connection/holdReply()``): evhttp is told it
/// was written and goes on to the next request, whose reply joins it, and the last reply of
/// the batch writes them all at once. A held reply never waits on a handler: if the next
/// request's handler suspends, what is held is written at once (``Connection/flushHeldReplies()``).
/// Held output is bounded (``Connection/holdLimit``); HTTP/1.0, `Connection` options and a
/// draining server are never held, since evhttp may close the connection after the reply.
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
    /// Held replies beyond this many bytes are written rather than held further.
    static let holdLimit = 16 * 1024

    var outputLength: Int { evbuffer_get_length(bufferevent_get_output(bufferEvent)) }

    /// Lets the bufferevent write what evhttp just queued (and anything held), in this loop
    /// iteration; evhttp hears the reply was written when it was.
    func writeNow() {
        holdsOutput = false
        if let writeEvent { event_active(writeEvent, Int32(EV_WRITE), 1) }
    }

    /// Leaves the reply in the output buffer and tells evhttp it was written: its write
    /// callback runs deferred (outside the callback that is sending), frees the request and
    /// starts reading the next one. Writing stays off until a reply is written for real.
    func holdReply() {
        holdsOutput = true
        bufferevent_disable(bufferEvent, Int16(EV_WRITE))
        bufferevent_trigger(bufferEvent, Int16(EV_WRITE), Int32(BEV_TRIG_IGNORE_WATERMARKS.rawValue | BEV_TRIG_DEFER_CALLBACKS.rawValue))
    }

    /// Writes held replies straight to the socket. Only while the bufferevent's writing is off:
    /// with it on, the bufferevent writes them itself, and draining its buffer behind its back
    /// would leave evhttp waiting for a write that never comes. Held output is small (under
    /// ``holdLimit``), so a socket rarely takes less; what it does not take goes with the next
    /// reply.
    func flushHeldReplies() {
        guard holdsOutput else { return }
        holdsOutput = false
        guard bufferevent_get_enabled(bufferEvent) & Int16(EV_WRITE) == 0 else { return }
        evbuffer_write(bufferevent_get_output(bufferEvent), bufferevent_getfd(bufferEvent))
    }
}
