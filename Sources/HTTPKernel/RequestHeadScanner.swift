/// Watches the bytes of a request head as they arrive, before evhttp parses them, for the one
/// thing evhttp cannot be trusted with: a NUL byte. evhttp reads header lines as C strings, so a
/// NUL silently truncates a value, and a line that starts with one ends the head early — the
/// rest of the head would then be read as a body or as the next request (a smuggling shape).
///
/// The head ends at its first empty line after a non-empty one (empty lines before the request
/// line are tolerated, as RFC 9112 allows). Bytes after the head are the body's or the next
/// request's, and are not scanned: the connection starts a new scan for each request.
struct RequestHeadScanner {
    enum State: Equatable {
        /// Still inside the head.
        case scanning
        /// The head ended without a NUL.
        case headComplete
        /// A NUL arrived inside the head.
        case foundNUL
    }

    private(set) var state = State.scanning
    private var lineLength = 0
    private var sawLine = false

    /// Feeds the next bytes of the stream; returns the state after them. Once the state is no
    /// longer `.scanning`, further bytes are ignored.
    @discardableResult
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> State {
        guard state == .scanning else { return state }
        for byte in bytes {
            switch byte {
            case 0:
                state = .foundNUL
                return state
            case UInt8(ascii: "\n"):
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
                lineLength += 1
            }
        }
        return state
    }
}
