/// Watches the bytes of a request head as they arrive, before evhttp parses them, for shapes
/// evhttp accepts but a proxy in front may read differently (request smuggling) or that evhttp
/// cannot even represent:
/// - a NUL byte: evhttp reads header lines as C strings, so a NUL silently truncates a value,
///   and a line that starts with one ends the head early (the rest would be read as a body or
///   as the next request);
/// - a bare LF (no CR before it): evhttp ends a line there, a proxy may not;
/// - obs-fold (a header line starting with a space or tab): evhttp joins it to the previous
///   field, a proxy may treat it as a field of its own. RFC 9112 lets a server refuse it.
///
/// The head ends at its first empty line after a non-empty one (CRLF before the request line
/// is tolerated, as RFC 9112 allows). Bytes after the head are the body's or the next
/// request's, and are not scanned: the connection starts a new scan for each request.
struct RequestHeadScanner {
    enum State: Equatable {
        /// Still inside the head.
        case scanning
        /// The head ended and was clean.
        case headComplete
        /// The head holds a shape that is refused; the reason is for the client.
        case refused(String)
    }

    private(set) var state = State.scanning
    private var lineLength = 0
    private var sawLine = false
    private var previous: UInt8 = 0

    /// Feeds the next bytes of the stream; returns the state after them. Once the state is no
    /// longer `.scanning`, further bytes are ignored.
    @discardableResult
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> State {
        guard state == .scanning else { return state }
        for byte in bytes {
            defer { previous = byte }
            switch byte {
            case 0:
                state = .refused("NUL byte in request head")
                return state
            case UInt8(ascii: "\n"):
                guard previous == UInt8(ascii: "\r") else {
                    state = .refused("bare LF in request head")
                    return state
                }
                if lineLength == 0 {
                    if sawLine {
                        state = .headComplete
                        return state
                    }
                } else {
                    sawLine = true
                }
                lineLength = 0
            case UInt8(ascii: "\r"):
                break  // a bare CR inside a line is evhttp's to refuse (it answers 400)
            default:
                // (A `where` on a two-pattern case would guard only the second pattern.)
                if lineLength == 0, sawLine, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    state = .refused("folded header line (obs-fold)")
                    return state
                }
                lineLength += 1
            }
        }
        return state
    }
}
