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
/// Held output is bounded (``ConnectionState/holdLimit``, ``ConnectionState/maxHeldReplies``).
/// Replies to HTTP/1.0, to requests with a `Connection` header or an absolute-form target (a
/// proxy request to evhttp), and from a draining server are never held: evhttp may close the
/// connection after them. The decision:
/// ``ConnectionState/mayHoldReply(closing:persistent:bufferedInput:bufferedOutput:)``.
extension ServerLoop {
    static func makeBase() -> OpaquePointer? {
        guard let configuration = event_config_new() else { return nil }
        defer { event_config_free(configuration) }
        event_config_set_flag(configuration, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        return event_base_new_with_config(configuration)
    }

    /// Whether a bufferevent's write event is where `httpkernel_bufferevent_write_event` says it
    /// is: that function reads libevent's struct layout, which only holds for the libevent it
    /// was compiled against. Checked once per loop on a throwaway bufferevent; when it fails,
    /// replies are written the ordinary way, after epoll reports the socket writable.
    static func bufferEventLayoutHolds(base: OpaquePointer) -> Bool {
        guard let probe = bufferevent_socket_new(base, -1, 0) else { return false }
        defer { bufferevent_free(probe) }
        guard let event = httpkernel_bufferevent_write_event(probe) else { return false }
        return event_get_base(event) == base
            && event_get_callback_arg(event) == UnsafeMutableRawPointer(probe)
            && event_get_events(event) & Int16(EV_WRITE) != 0
            && event_get_fd(event) == -1
    }
}

extension Connection {
    /// Lets the bufferevent write what evhttp just queued (and anything held), in this loop
    /// iteration; evhttp hears the reply was written when it was.
    func writeNow() {
        state.outputReleased()
        if let writeEvent { event_active(writeEvent, Int32(EV_WRITE), 1) }
    }

    /// Leaves the reply in the output buffer, and has the loop tell evhttp it was written
    /// (``ServerLoop/runPendingReleases()``). Writing stays off until a reply is written for real.
    func holdReply() {
        state.replyHeld()
        bufferevent_disable(bufferEvent, Int16(EV_WRITE))
        loop.scheduleRelease(self)
    }

    /// Writes held replies straight to the socket. Only while the bufferevent's writing is off:
    /// with it on, the bufferevent writes them itself, and draining its buffer behind its back
    /// would leave evhttp waiting for a write that never comes. Held output is small (under
    /// ``ConnectionState/holdLimit``), so a socket rarely takes less; what it does not take goes
    /// with the next reply.
    func flushHeldReplies() {
        guard state.holdsReplies else { return }
        state.outputReleased()
        guard bufferevent_get_enabled(bufferEvent) & Int16(EV_WRITE) == 0 else { return }
        evbuffer_write(bufferevent_get_output(bufferEvent), bufferevent_getfd(bufferEvent))
    }
}

extension ServerLoop {
    func scheduleRelease(_ connection: Connection) {
        if pendingReleases.isEmpty { event_active(releaseEvent, 0, 0) }
        pendingReleases.append(connection)
    }

    /// Runs as an event of its own, later in the same loop iteration and outside evhttp's
    /// callbacks: for each held reply, evhttp's write callback, which frees the request and
    /// starts reading the next one. Like the write event activated by ``Connection/writeNow()``,
    /// and unlike a bufferevent's deferred callback, this is not subject to libevent's cap on
    /// deferred callbacks per iteration: a deferred release pushed requests into later
    /// iterations, where a client's half-close (EOF) was read, and evhttp dropped the
    /// connection with requests still buffered (measured: 100 pipelined requests then
    /// shutdown(SHUT_WR), no run in 20 got every reply).
    func runPendingReleases() {
        let batch = pendingReleases
        pendingReleases.removeAll(keepingCapacity: true)
        // Every live one: evhttp waits for this callback even if the tick wrote the bytes meanwhile.
        for connection in batch where connections[connection.evcon] === connection {
            bufferevent_trigger(connection.bufferEvent, Int16(EV_WRITE), Int32(BEV_TRIG_IGNORE_WATERMARKS.rawValue))
        }
    }
}
