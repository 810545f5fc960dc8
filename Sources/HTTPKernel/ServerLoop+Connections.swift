import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// Connection bookkeeping on top of evhttp, which keeps its connections to itself.
///
/// evhttp asks us for each new connection's bufferevent (`evhttp_set_bevcb`); a priority-0
/// event then runs before any I/O of that connection and finds its `evhttp_connection` (the
/// bufferevent's callback argument), where we hook the close callback and an input-buffer
/// callback (``Connection``). That lets the once-a-second tick enforce what evhttp 2.1 cannot:
/// a deadline for a whole request to arrive (slowloris), a keep-alive idle limit, and closing
/// idle connections when draining (decided by ``ConnectionState``); and it lets us see each
/// request head's bytes before evhttp parses them (``RequestHeadScanner``).
extension ServerLoop {
    /// evhttp's bufferevent factory, called inside its accept callback.
    func makeBufferEvent(_ base: OpaquePointer) -> OpaquePointer? {
        guard let bufferEvent = bufferevent_socket_new(base, -1, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
            return nil
        }
        pendingBufferEvents.append(bufferEvent)
        event_active(registerEvent, 0, 0)
        connectionCountChanged()
        return bufferEvent
    }

    /// Runs (priority 0) right after evhttp finished setting up the new connections.
    func registerPendingConnections() {
        let pending = pendingBufferEvents
        pendingBufferEvents.removeAll(keepingCapacity: true)
        var failed = false
        for bufferEvent in pending {
            var argument: UnsafeMutableRawPointer?
            bufferevent_getcb(bufferEvent, nil, nil, nil, &argument)
            guard let argument else {
                failed = true  // evhttp gave up on it: no close callback will come
                continue
            }
            let evcon = OpaquePointer(argument)
            let connection = Connection(evcon: evcon, bufferEvent: bufferEvent, loop: self)
            connections[evcon] = connection
            let me = Unmanaged.passUnretained(self).toOpaque()
            evhttp_connection_set_closecb(evcon, { evcon, arg in
                ServerLoop.from(arg).connectionClosed(evcon!)
            }, me)
            // Unretained: the record lives in `connections` until the close callback removes
            // this callback along with it.
            connection.inputCallback = evbuffer_add_cb(
                bufferevent_get_input(bufferEvent),
                { input, info, arg in
                    // evhttp drains the buffer once per parsed line: those calls add nothing.
                    let added = info!.pointee.n_added
                    guard added > 0 else { return }
                    let connection = Unmanaged<Connection>.fromOpaque(arg!).takeUnretainedValue()
                    connection.bytesArrived(input!, count: added)
                }, Unmanaged.passUnretained(connection).toOpaque())
        }
        if failed { connectionCountChanged() }
    }

    private func connectionClosed(_ evcon: OpaquePointer) {
        guard let connection = connections.removeValue(forKey: evcon) else { return }
        connectionCountChanged()
        if let entry = connection.inputCallback {
            evbuffer_remove_cb_entry(bufferevent_get_input(connection.bufferEvent), entry)
        }
        // Closing many at once (closeIdleConnections) checks once at the end, not per
        // connection: a per-close check scans every connection, O(n²) with n idle ones.
        if draining, !closingInBulk { finishDrainIfDone() }
    }

    /// Closes connections that overran their phase's deadline (``ConnectionState/deadline(now:bufferedOutput:)``).
    func enforceDeadlines() {
        let now = coarseNow
        var overdue: [OpaquePointer] = []
        for (evcon, connection) in connections {
            switch connection.state.deadline(now: now, bufferedOutput: connection.outputLength) {
            case .close: overdue.append(evcon)
            // Waiting for an earlier reply to be written; past the deadline, closed without one.
            case .answerRefusal: pendingRefusals.append(connection)
            case .none: break
            }
            if connection.state.holdsStrayReplies { connection.flushHeldReplies() }
        }
        // A close callback may already have freed some of them (drain closes idle ones too).
        closingInBulk = true
        for evcon in overdue where connections[evcon] != nil { evhttp_connection_free(evcon) }
        closingInBulk = false
        runPendingRefusals()
    }

    func closeIdleConnections() {
        let idle = connections.filter { $0.value.isIdleAndFlushed }.map(\.key)
        closingInBulk = true
        for evcon in idle where connections[evcon] != nil { evhttp_connection_free(evcon) }
        closingInBulk = false
    }
}
