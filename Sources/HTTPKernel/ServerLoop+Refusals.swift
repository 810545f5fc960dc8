import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// Connections whose request head was refused (``RequestHeadScanner``). evhttp never parsed
/// that head, so it has no request to reply to: the loop writes the refusal itself, straight to
/// the socket, and frees the connection. That happens outside evhttp's callbacks (an event, or
/// the tick) and only once the connection's earlier replies are written, so bytes never
/// interleave; a client that does not read them within the request deadline is closed without.
extension ServerLoop {
    func scheduleRefusal(_ connection: Connection) {
        pendingRefusals.append(connection)
        event_active(refuseEvent, 0, 0)
    }

    func runPendingRefusals() {
        guard !pendingRefusals.isEmpty else { return }
        let pending = pendingRefusals
        pendingRefusals.removeAll(keepingCapacity: true)
        for connection in pending { finishRefusal(connection) }
    }

    private func finishRefusal(_ connection: Connection) {
        // Gone already (the client left, or a deadline closed it), or refused twice.
        guard connections[connection.evcon] === connection else { return }
        let refusal: RequestHeadScanner.Refusal
        let flushed: Bool
        switch connection.state.refusalStep(now: coarseNow, bufferedOutput: connection.outputLength) {
        case .none, .wait: return
        case let .answer(answer): (refusal, flushed) = (answer, true)
        case let .closeUnanswered(answer): (refusal, flushed) = (answer, false)
        }
        let requestID = requestIDs.next()
        if flushed {
            let reply = refusalReply(refusal, requestID: requestID)
            // Small enough for any socket buffer; if the peer is gone, it is simply lost.
            _ = reply.withUnsafeBytes {
                Glibc.send(bufferevent_getfd(connection.bufferEvent), $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
        }
        if logsAccess {
            logger.info("request head refused", metadata: [
                "request_id": .string(requestID), "status": .stringConvertible(refusal.status), "reason": .string(refusal.message),
                "peer": .string(connection.peerAddress), "replied": .stringConvertible(flushed),
            ])
        }
        evhttp_connection_free(connection.evcon)
    }

    private func refusalReply(_ refusal: RequestHeadScanner.Refusal, requestID: String) -> [UInt8] {
        let body = configuration.errorFormat.encode([refusal.key: [refusal.message]])
        var head = "HTTP/1.1 \(refusal.status) \(ReasonPhrase.of(refusal.status))\r\nDate: \(dateCache.value)\r\n"
        if let serverName = configuration.serverName { head += "Server: \(serverName)\r\n" }
        if configuration.identityHeaders {
            head += "X-Request-Id: \(requestID)\r\nX-Content-Type-Options: nosniff\r\n"
        }
        for field in configuration.commonHeaders { head += "\(field.name): \(field.value)\r\n" }
        head += "Content-Type: \(configuration.errorFormat.contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }
}
