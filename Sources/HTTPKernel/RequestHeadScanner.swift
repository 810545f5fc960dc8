/// Watches the bytes of a request head as they arrive, before evhttp parses them, for shapes
/// evhttp accepts but a proxy in front may read differently (request smuggling), cannot
/// represent, or would refuse only with its own HTML page:
/// - a NUL byte: evhttp reads header lines as C strings, so a NUL silently truncates a value,
///   and a line that starts with one ends the head early (the rest would be read as a body or
///   as the next request);
/// - a bare LF (no CR before it): evhttp ends a line there, a proxy may not;
/// - obs-fold (a header line starting with a space or tab): evhttp joins it to the previous
///   field, a proxy may treat it as a field of its own. RFC 9112 lets a server refuse it;
/// - framing that contradicts itself (Content-Length twice, or with Transfer-Encoding), and a
///   Transfer-Encoding other than one `chunked` (evhttp would read such a body as the next
///   request: 501, as RFC 9112 says);
/// - a head over the header limit (431) or a declared body over the body limit (413);
/// - a request line that is not `method SP request-target SP HTTP/d.d` (spaces inside the
///   target, a version evhttp cannot serve), a method evhttp does not serve (501), a header
///   line without a colon, a bare CR: evhttp would refuse these too, but with its own HTML page
///   and no request id.
///
/// The head ends at its first empty line after a non-empty one (CRLF before the request line
/// is tolerated, as RFC 9112 allows). Bytes after the head are the body's or the next
/// request's, and are not scanned: the connection starts a new scan for each request.
struct RequestHeadScanner {
    /// Why a head is refused: the status and the envelope's key and message.
    struct Refusal: Equatable, Sendable {
        let status: Int
        let key: String
        let message: String

        static func header(_ message: String) -> Refusal { Refusal(status: 400, key: "header", message: message) }
        static func requestLine(_ message: String) -> Refusal { Refusal(status: 400, key: "request", message: message) }
    }

    enum State: Equatable {
        /// Still inside the head.
        case scanning
        /// The head ended and was clean.
        case headComplete
        case refused(Refusal)
    }

    private(set) var state = State.scanning
    private let maxHeadBytes: Int
    private let maxBodyBytes: Int
    private var headBytes = 0
    private var lineLength = 0
    private var sawLine = false
    private var previous: UInt8 = 0
    // The framing fields are recognised on the fly, without keeping the line.
    private var lineMayBeContentLength = true
    private var lineMayBeTransferEncoding = true
    private var lengthValue = 0
    private var lengthDigits = 0
    private var lengthIsNumber = true
    private var contentLengths = 0
    private var declaredLength: Int?
    private var hasTransferEncoding = false
    private var transferEncodings = 0
    /// The Transfer-Encoding value being read, lowercased (only ever a few bytes).
    private var transferEncodingValue: [UInt8] = []
    // The request line, part by part: method (0), target (1), version (2), trailing spaces (3).
    private var requestLinePart = 0
    private var methodLength = 0
    private var methodBits: UInt64 = 0
    private var targetLength = 0
    private var versionLength = 0
    private var versionBits: UInt64 = 0
    private var lineHasColon = false
    /// Whether the request line, complete and accepted, ended in `HTTP/1.1`: the connection
    /// persists after the reply unless the request says otherwise (others: not counted on).
    var isHTTP11: Bool { sawLine && versionBits == Self.http11 }

    /// The head is complete and its body is chunked (``ChunkedBodyScanner`` follows it).
    var isChunked: Bool { state == .headComplete && hasTransferEncoding }

    /// Bytes scanned so far: once the head is complete, its length.
    var scannedBytes: Int { headBytes }

    /// The bytes from the scan's start to the end of the request's body, once the head is
    /// complete and the body is absent or framed by a plain Content-Length: when that much is
    /// buffered, evhttp reads the whole request without waiting for the peer.
    var requestLength: Int? {
        guard state == .headComplete, !hasTransferEncoding else { return nil }
        if contentLengths == 0 { return headBytes }
        return declaredLength.map { headBytes + $0 }
    }

    init(maxHeadBytes: Int = .max, maxBodyBytes: Int = .max) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Feeds the next bytes of the stream; returns the state after them. Once the state is no
    /// longer `.scanning`, further bytes are ignored.
    @discardableResult
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> State {
        guard state == .scanning else { return state }
        for byte in bytes {
            defer { previous = byte }
            headBytes += 1
            if headBytes > maxHeadBytes {
                return refuse(Refusal(status: 431, key: "header", message: "request head too large"))
            }
            switch byte {
            case 0:
                return refuse(.header("NUL byte in request head"))
            case UInt8(ascii: "\n"):
                guard previous == UInt8(ascii: "\r") else { return refuse(.header("bare LF in request head")) }
                if lineLength == 0 {
                    if sawLine { return endOfHead() }
                } else if sawLine {
                    if let refusal = endOfField() { return refuse(refusal) }
                } else {
                    if let refusal = endOfRequestLine() { return refuse(refusal) }
                    sawLine = true
                }
                startLine()
            case UInt8(ascii: "\r"):
                if previous == UInt8(ascii: "\r") { return refuse(.header("bare CR in request head")) }
            default:
                if previous == UInt8(ascii: "\r") { return refuse(.header("bare CR in request head")) }
                // (A `where` on a two-pattern case would guard only the second pattern.)
                if lineLength == 0, sawLine, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    return refuse(.header("folded header line (obs-fold)"))
                }
                if sawLine {
                    if byte == UInt8(ascii: ":") { lineHasColon = true }
                    follow(byte, at: lineLength)
                } else if let refusal = followRequestLine(byte) {
                    return refuse(refusal)
                }
                lineLength += 1
            }
        }
        return state
    }

    private mutating func refuse(_ refusal: Refusal) -> State {
        state = .refused(refusal)
        return state
    }

    private mutating func startLine() {
        lineLength = 0
        lineHasColon = false
        lineMayBeContentLength = true
        lineMayBeTransferEncoding = true
        lengthValue = 0
        lengthDigits = 0
        lengthIsNumber = true
    }

    /// Matches a header line's name against the framing fields, and reads a Content-Length
    /// value, one byte at a time.
    private mutating func follow(_ byte: UInt8, at position: Int) {
        let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
        if lineMayBeContentLength {
            if position < Self.contentLength.count {
                lineMayBeContentLength = lower == Self.contentLength[position]
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                lengthDigits += 1
                // Saturates instead of overflowing: any huge value is over the limit anyway.
                lengthValue = lengthValue > Int.max / 10 - 9 ? Int.max : lengthValue * 10 + Int(byte - UInt8(ascii: "0"))
            } else if byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") {
                lengthIsNumber = false
            }
        }
        if lineMayBeTransferEncoding {
            if position < Self.transferEncoding.count {
                lineMayBeTransferEncoding = lower == Self.transferEncoding[position]
            } else {
                // Past a few bytes it cannot be `chunked` with some blanks: kept too long to match.
                if transferEncodingValue.count <= Self.chunked.count + 8 { transferEncodingValue.append(lower) }
            }
        }
    }

    /// One byte of the request line (not CR or LF). RFC 9112: `method SP request-target SP
    /// HTTP-version`; trailing spaces are tolerated, as evhttp trims them.
    private mutating func followRequestLine(_ byte: UInt8) -> Refusal? {
        if byte < 0x20 || byte == 0x7F { return .requestLine("control character in request line") }
        if byte == UInt8(ascii: " ") {
            let partIsEmpty = switch requestLinePart {
            case 0: methodLength == 0
            case 1: targetLength == 0
            case 2: versionLength == 0
            default: false
            }
            if partIsEmpty { return .requestLine("malformed request line") }
            requestLinePart = min(requestLinePart + 1, 3)
            return nil
        }
        switch requestLinePart {
        case 0:
            guard HeaderSyntax.isTokenByte(byte) else { return .requestLine("malformed request line") }
            if methodLength < 8 { methodBits = methodBits &<< 8 | UInt64(byte) }
            methodLength += 1
        case 1:
            targetLength += 1
        case 2:
            if versionLength < 8 { versionBits = versionBits &<< 8 | UInt64(byte) }
            versionLength += 1
        default:
            // A fourth part: a space inside the target.
            return .requestLine("malformed request line")
        }
        return nil
    }

    private mutating func endOfRequestLine() -> Refusal? {
        guard requestLinePart >= 2, versionLength == 8,
              versionBits & Self.versionMask == Self.versionPattern,
              (0x30...0x31).contains((versionBits >> 16) & 0xFF), (0x30...0x39).contains(versionBits & 0xFF)
        else { return .requestLine("malformed request line or unsupported HTTP version") }
        guard methodLength <= 7, Self.methods.contains(methodBits) else {
            return Refusal(status: 501, key: "method", message: "method not implemented")
        }
        return nil
    }

    /// A header line ended: notes the framing field it was, if any.
    private mutating func endOfField() -> Refusal? {
        guard lineHasColon else { return .header("header line without a colon") }
        if lineMayBeContentLength, lineLength >= Self.contentLength.count {
            contentLengths += 1
            if contentLengths > 1 { return .header("more than one Content-Length") }
            // Anything but digits is evhttp's to refuse.
            if lengthIsNumber, lengthDigits > 0 { declaredLength = lengthValue }
        } else if lineMayBeTransferEncoding, lineLength >= Self.transferEncoding.count {
            hasTransferEncoding = true
            transferEncodings += 1
            let value = transferEncodingValue.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                .reversed().drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.reversed()
            guard transferEncodings == 1, transferEncodingValue.count <= Self.chunked.count + 8, value.elementsEqual(Self.chunked) else {
                return Refusal(status: 501, key: "header", message: "only Transfer-Encoding: chunked is supported")
            }
        }
        return nil
    }

    private mutating func endOfHead() -> State {
        if contentLengths > 0, hasTransferEncoding {
            return refuse(.header("both Content-Length and Transfer-Encoding"))
        }
        if let declaredLength, declaredLength > maxBodyBytes {
            return refuse(Refusal(status: 413, key: "body", message: "larger than \(maxBodyBytes) bytes"))
        }
        state = .headComplete
        return state
    }

    private static func packed(_ text: String) -> UInt64 { text.utf8.reduce(UInt64(0)) { $0 &<< 8 | UInt64($1) } }
    private static let http11 = packed("HTTP/1.1")
    /// `HTTP/?.?`: the two digits are checked apart (major 0 or 1, as evhttp serves).
    private static let versionPattern = packed("HTTP/\0.\0")
    private static let versionMask: UInt64 = 0xFFFF_FFFF_FF00_FF00
    /// The methods evhttp lets through to the router (`ServerLoop.configureHTTP`).
    /// (Eight comparisons: cheaper on every request than hashing into a set.)
    private static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"].map(packed)
    private static let contentLength = Array("content-length:".utf8)
    private static let transferEncoding = Array("transfer-encoding:".utf8)
    private static let chunked = Array("chunked".utf8)
}
