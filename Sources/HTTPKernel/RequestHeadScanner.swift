/// Watches the bytes of a request head as they arrive, before evhttp parses them, and decides
/// the request's framing from them, following RFC 9112 (sections 3.2, 6.1 and 6.3) to the
/// letter, so that this server and any proxy in front read the same requests out of a stream
/// (request smuggling needs them to disagree). Refused:
/// - a NUL byte: evhttp reads header lines as C strings, so a NUL silently truncates a value,
///   and a line that starts with one ends the head early (the rest would be read as a body or
///   as the next request);
/// - a bare LF (no CR before it): evhttp ends a line there, a proxy may not; a bare CR;
/// - obs-fold (a header line starting with a space or tab): evhttp joins it to the previous
///   field, a proxy may treat it as a field of its own. RFC 9112 lets a server refuse it;
/// - a field name that is not a token (`Transfer-Encoding : chunked`, whose name ends in a
///   space, is a different field to evhttp than to a lenient proxy), a control character in a
///   field value, a header line without a colon;
/// - Content-Length that is not `1*DIGIT` (`+5`, `-0`, `0x5`, `5.0`: evhttp's `strtoll` takes
///   some of these), or several values that differ (`5, 50`, or two fields); identical values
///   are one length (RFC 9110 section 8.6), and a list of them is rewritten in place to its
///   first element so that evhttp reads the same number;
/// - Transfer-Encoding whose final coding is not `chunked` (400: the length cannot be known),
///   `chunked` more than once (400), another coding before it (501: only chunked is
///   implemented), in more than one field line (evhttp reads only the first), or together with
///   Content-Length (400). On HTTP/1.0 a chunked request is served and the connection closed
///   after the answer (``closesAfterReply``);
/// - HTTP/1.1 without a Host field; more than one Host field, or one whose value is not
///   `uri-host [ ":" port ]`, in any version;
/// - a head over the header limit (431) or a declared body over the body limit (413);
/// - a request line that is not `method SP request-target SP HTTP/d.d` (spaces inside the
///   target, a version evhttp cannot serve), a method evhttp does not serve (501).
///
/// Every refusal is answered in the application's error format with `Connection: close`, and
/// nothing after the refused head is read as a request (ServerLoop+Refusals.swift).
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
    // The current field line: its name, matched against the framing fields on the fly without
    // keeping the line, then its value, read by the matched field's reader.
    private var inValue = false
    /// The name's first 24 bytes, lowercased, eight to a word: enough to tell the framing fields.
    private var name0: UInt64 = 0
    private var name1: UInt64 = 0
    private var name2: UInt64 = 0
    private var field = FramingField.other
    private var contentLength = ContentLengthReader()
    private var transferCodings = TransferCodingReader()
    private var host = HostReader()
    private var contentLengthFields = 0
    private var declaredLength: Int?
    private var transferEncodingFields = 0
    private var hostFields = 0
    private var hostIsValid = true
    // The request line, part by part: method (0), target (1), version (2), trailing spaces (3).
    private var requestLinePart = 0
    private var methodLength = 0
    private var methodBits: UInt64 = 0
    private var targetLength = 0
    private var versionLength = 0
    private var versionBits: UInt64 = 0

    /// Whether the request line, complete and accepted, ended in `HTTP/1.1`: the connection
    /// persists after the reply unless the request says otherwise (others: not counted on).
    var isHTTP11: Bool { sawLine && versionBits == Self.http11 }

    /// The head is complete and its body is chunked (``ChunkedBodyScanner`` follows it).
    var isChunked: Bool { state == .headComplete && transferEncodingFields > 0 }

    /// The connection must close after this request's answer: a chunked body on HTTP/1.0,
    /// whose framing RFC 9112 section 6.1 calls faulty (a 1.0 proxy may not have understood it).
    var closesAfterReply: Bool { isChunked && !isHTTP11OrLater }

    /// Bytes scanned so far: once the head is complete, its length.
    var scannedBytes: Int { headBytes }

    /// The bytes from the scan's start to the end of the request's body, once the head is
    /// complete and the body is absent or framed by a plain Content-Length: when that much is
    /// buffered, evhttp reads the whole request without waiting for the peer.
    var requestLength: Int? {
        guard state == .headComplete, transferEncodingFields == 0 else { return nil }
        if contentLengthFields == 0 { return headBytes }
        return declaredLength.map { headBytes + $0 }
    }

    init(maxHeadBytes: Int = .max, maxBodyBytes: Int = .max) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Feeds the next bytes of the stream, which it may rewrite in place (a Content-Length
    /// list of equal values becomes its first value, empty Transfer-Encoding list elements
    /// are blanked) before evhttp reads them; returns the state after them. Once the state is
    /// no longer `.scanning`, further bytes are ignored.
    @discardableResult
    mutating func scan(_ bytes: UnsafeMutableRawBufferPointer) -> State {
        scan(UnsafeRawBufferPointer(bytes), rewriting: bytes.baseAddress)
    }

    /// Feeds bytes that are only read: the answer is the same, nothing is rewritten.
    @discardableResult
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> State {
        scan(bytes, rewriting: nil)
    }

    private mutating func scan(_ bytes: UnsafeRawBufferPointer, rewriting writable: UnsafeMutableRawPointer?) -> State {
        guard state == .scanning else { return state }
        for (offset, byte) in bytes.enumerated() {
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
                if sawLine {
                    switch followField(byte) {
                    case .keep: break
                    case .blank: writable?.storeBytes(of: UInt8(ascii: " "), toByteOffset: offset, as: UInt8.self)
                    case .refused: return state
                    }
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
        inValue = false
        (name0, name1, name2) = (0, 0, 0)
        field = .other
    }

    /// What to do with a byte of a field line once read. (No payload: this is returned for
    /// every byte of a head, and a refusal's reason, with its strings, would make every return
    /// a copy and every drop a release.)
    enum ByteAction: Equatable {
        case keep
        /// Overwrite it with a space before evhttp reads it.
        case blank
        /// The state is now `.refused`.
        case refused
    }

    /// One byte of a header line (not CR or LF): the name, a token packed as it comes, then the
    /// value, handed to the matched framing field's reader. Runs for every byte of every head,
    /// so it loads no table and returns no payload.
    @inline(__always)
    private mutating func followField(_ byte: UInt8) -> ByteAction {
        if inValue {
            // Field values: VCHAR, obs-text, SP and HTAB (RFC 9110 section 5.5).
            if (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F {
                state = .refused(.header("control character in a field value"))
                return .refused
            }
            switch field {
            case .other: return .keep
            case .contentLength: return contentLength.read(byte)
            case .transferEncoding: return transferCodings.read(byte)
            case .host:
                host.read(byte)
                return .keep
            }
        }
        if byte == UInt8(ascii: ":") {
            guard lineLength > 0 else {
                state = .refused(.header("empty field name"))
                return .refused
            }
            inValue = true
            field = switch lineLength {
            case 4 where name0 == Self.hostName: .host
            case 14 where name0 == Self.contentLengthName.0 && name1 == Self.contentLengthName.1: .contentLength
            case 17 where name0 == Self.transferEncodingName.0 && name1 == Self.transferEncodingName.1 && name2 == Self.transferEncodingName.2:
                .transferEncoding
            default: .other
            }
            switch field {
            case .contentLength: contentLength = ContentLengthReader()
            case .transferEncoding: transferCodings.startField()
            case .host: host = HostReader()
            case .other: break
            }
            return .keep
        }
        if lineLength == 0, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
            state = .refused(.header("folded header line (obs-fold)"))
            return .refused
        }
        guard HeaderSyntax.isTokenByte(byte) else {
            state = .refused(.header("invalid field name"))
            return .refused
        }
        let lower = UInt64(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        switch lineLength {
        case 0..<8: name0 = name0 << 8 | lower
        case 8..<16: name1 = name1 << 8 | lower
        case 16..<24: name2 = name2 << 8 | lower
        default: break  // longer than any framing field's name
        }
        return .keep
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

    /// `HTTP/1.1` or a later 1.x: Host is required, chunked framing trusted.
    private var isHTTP11OrLater: Bool { (versionBits >> 16) & 0xFF == 0x31 && versionBits & 0xFF >= 0x31 }

    /// A header line ended: the framing field it was, if any, is judged whole.
    private mutating func endOfField() -> Refusal? {
        guard inValue else { return .header("header line without a colon") }
        switch field {
        case .contentLength:
            guard let length = contentLength.finish() else { return .header("invalid Content-Length") }
            contentLengthFields += 1
            if let declaredLength, declaredLength != length { return .header("conflicting Content-Length values") }
            declaredLength = length
        case .transferEncoding:
            transferEncodingFields += 1
            transferCodings.finishField()
        case .host:
            hostFields += 1
            hostIsValid = hostIsValid && host.isValid
        case .other:
            break
        }
        return nil
    }

    private mutating func endOfHead() -> State {
        if hostFields > 1 { return refuse(.header("more than one Host")) }
        if !hostIsValid { return refuse(.header("invalid Host")) }
        if hostFields == 0, isHTTP11OrLater { return refuse(.header("missing Host")) }
        if transferEncodingFields > 0 {
            if contentLengthFields > 0 { return refuse(.header("both Content-Length and Transfer-Encoding")) }
            if let refusal = transferCodings.refusal(fieldLines: transferEncodingFields) { return refuse(refusal) }
        }
        if let declaredLength, declaredLength > maxBodyBytes {
            return refuse(Refusal(status: 413, key: "body", message: "larger than \(maxBodyBytes) bytes"))
        }
        state = .headComplete
        return state
    }

    private enum FramingField { case other, contentLength, transferEncoding, host }

    private static func packed(_ text: String) -> UInt64 { text.utf8.reduce(UInt64(0)) { $0 &<< 8 | UInt64($1) } }
    private static let http11 = packed("HTTP/1.1")
    /// `HTTP/?.?`: the two digits are checked apart (major 0 or 1, as evhttp serves).
    private static let versionPattern = packed("HTTP/\0.\0")
    private static let versionMask: UInt64 = 0xFFFF_FFFF_FF00_FF00
    /// The methods evhttp lets through to the router (`ServerLoop.configureHTTP`).
    /// (Eight comparisons: cheaper on every request than hashing into a set.)
    private static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"].map(packed)
    /// The framing fields' names, lowercased and packed as ``followField(_:)`` packs a name.
    private static let hostName = packed("host")
    private static let contentLengthName = (packed("content-"), packed("length"))
    private static let transferEncodingName = (packed("transfer"), packed("-encodin"), packed("g"))
}
