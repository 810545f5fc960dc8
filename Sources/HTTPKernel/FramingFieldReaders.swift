/// Readers of the three fields that decide where a request ends, one value byte at a time (a
/// head arrives in pieces; nothing of a line is kept). ``RequestHeadScanner`` hands each the
/// bytes after its field's colon, CR and LF excluded, and judges the results at the end of the
/// line and of the head.

/// A Content-Length value: `1*DIGIT`, or a list of them whose elements are all the same (RFC
/// 9110 section 8.6). For a list, every byte from the first comma on is blanked, so that evhttp
/// (which reads the value with `strtoll` and refuses anything after the digits) reads the first
/// element only; empty list elements (RFC 9110 section 5.6.1) are ignored.
struct ContentLengthReader {
    private var value = 0
    private var digits = 0
    /// Whitespace followed the current element's digits: only a comma or the end may come.
    private var elementEnded = false
    private var first: Int?
    private var isValid = true

    mutating func read(_ byte: UInt8) -> RequestHeadScanner.ByteAction {
        guard isValid else { return .keep }
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            if elementEnded { isValid = false }
            digits += 1
            // Saturates instead of overflowing: any huge value is over the body limit anyway.
            value = value > Int.max / 10 - 9 ? Int.max : value * 10 + Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: " "), UInt8(ascii: "\t"):
            if digits > 0 { elementEnded = true }
        case UInt8(ascii: ","):
            finishElement()
            return .blank
        default:
            isValid = false
        }
        return first == nil ? .keep : .blank
    }

    /// The length the field declares, or nil when it is not a valid Content-Length.
    mutating func finish() -> Int? {
        finishElement()
        return isValid ? first : nil
    }

    private mutating func finishElement() {
        defer { (value, digits, elementEnded) = (0, 0, false) }
        guard digits > 0 else { return }
        if let first {
            if first != value { isValid = false }
        } else {
            first = value
        }
    }
}

/// The transfer codings of the request's Transfer-Encoding field lines, as one list. Commas are
/// blanked in place, so that evhttp (which compares the whole value with `chunked`) reads a
/// list whose only coding is `chunked`, empty elements around it, as chunked.
struct TransferCodingReader {
    private var elementLength = 0
    /// The element's first bytes, lowercased and packed: enough to recognise `chunked`.
    private var elementBits: UInt64 = 0
    /// Whitespace inside the element (`chunked x`): not a coding this server knows.
    private var elementHasSpace = false
    private var pendingSpace = false
    private var codings = 0
    private var chunkedCodings = 0
    private var lastIsChunked = false

    mutating func startField() { resetElement() }

    mutating func read(_ byte: UInt8) -> RequestHeadScanner.ByteAction {
        switch byte {
        case UInt8(ascii: ","):
            finishElement()
            return .blank
        case UInt8(ascii: " "), UInt8(ascii: "\t"):
            if elementLength > 0 { pendingSpace = true }
        default:
            if pendingSpace { elementHasSpace = true }
            pendingSpace = false
            let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if elementLength < 8 { elementBits = elementBits &<< 8 | UInt64(lower) }
            elementLength += 1
        }
        return .keep
    }

    mutating func finishField() { finishElement() }

    /// Why the codings, read from `fieldLines` lines, cannot frame a request (RFC 9112
    /// section 6.1 and 6.3), if they cannot.
    func refusal(fieldLines: Int) -> RequestHeadScanner.Refusal? {
        if !lastIsChunked { return .header("Transfer-Encoding must end with chunked") }
        if chunkedCodings > 1 { return .header("chunked applied more than once") }
        if codings > 1 { return RequestHeadScanner.Refusal(status: 501, key: "header", message: "only the chunked transfer coding is implemented") }
        // evhttp reads only the first line: one that holds nothing but empty elements before a
        // `chunked` one would leave the body to be read as the next request.
        if fieldLines > 1 { return .header("Transfer-Encoding in more than one field line") }
        return nil
    }

    private mutating func finishElement() {
        defer { resetElement() }
        guard elementLength > 0 else { return }
        codings += 1
        lastIsChunked = !elementHasSpace && elementLength == 7 && elementBits == Self.chunked
        if lastIsChunked { chunkedCodings += 1 }
    }

    private mutating func resetElement() {
        (elementLength, elementBits, elementHasSpace, pendingSpace) = (0, 0, false, false)
    }

    private static let chunked = "chunked".utf8.reduce(UInt64(0)) { $0 &<< 8 | UInt64($1) }
}

/// A Host value: `uri-host [ ":" port ]` (RFC 9112 section 3.2, RFC 3986 section 3.2.2), where
/// uri-host is a bracketed IP literal or a reg-name (which covers IPv4 addresses, and may be
/// empty), surrounded by optional whitespace.
struct HostReader {
    private enum Part { case start, name, literal, afterLiteral, port, trailingSpace }

    private var part = Part.start
    private var isWellFormed = true

    var isValid: Bool { isWellFormed && part != .literal }

    mutating func read(_ byte: UInt8) {
        guard isWellFormed else { return }
        let isSpace = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
        switch part {
        case .start:
            if isSpace { return }
            part = byte == UInt8(ascii: "[") ? .literal : byte == UInt8(ascii: ":") ? .port : .name
            if part == .name { isWellFormed = Self.isNameByte(byte) }
        case .name:
            if isSpace { part = .trailingSpace } else if byte == UInt8(ascii: ":") { part = .port } else { isWellFormed = Self.isNameByte(byte) }
        case .literal:
            if byte == UInt8(ascii: "]") { part = .afterLiteral } else { isWellFormed = byte == UInt8(ascii: ":") || Self.isNameByte(byte) }
        case .afterLiteral:
            if isSpace { part = .trailingSpace } else if byte == UInt8(ascii: ":") { part = .port } else { isWellFormed = false }
        case .port:
            if isSpace { part = .trailingSpace } else { isWellFormed = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        case .trailingSpace:
            isWellFormed = isSpace
        }
    }

    /// unreserved, pct-encoded's `%`, sub-delims (RFC 3986 section 3.2.2's reg-name), as two
    /// masks like ``HeaderSyntax/isTokenByte(_:)``'s: every byte of every Host value comes here.
    @inline(__always)
    static func isNameByte(_ byte: UInt8) -> Bool {
        if byte < 64 { return (0x2BFF_7FF2_0000_0000 as UInt64) >> UInt64(byte) & 1 == 1 }
        if byte < 128 { return (0x47FF_FFFE_87FF_FFFE as UInt64) >> UInt64(byte - 64) & 1 == 1 }
        return false
    }
}
