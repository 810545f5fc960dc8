/// Follows a chunked request body's framing as its bytes arrive, before evhttp reads them, so
/// that the two answers evhttp would give with its own HTML page are given in the envelope
/// instead: a body whose chunk sizes add up past the body limit (413), and framing evhttp
/// cannot read (400). evhttp refuses the same bodies at the same point (when a chunk-size line
/// pushes the total over the limit), so nothing it would accept is refused here, except
/// framing RFC 9112 does not allow and evhttp tolerates (a bare LF, a chunk extension, no CRLF
/// after a chunk's data), which a proxy in front may read differently.
///
/// It stops at the end of the trailer section: later bytes are the next request's.
struct ChunkedBodyScanner {
    enum State: Equatable {
        case scanning
        /// The last chunk and the trailer section arrived.
        case complete
        case refused(RequestHeadScanner.Refusal)
    }

    private enum Position {
        /// In a chunk-size line: hex digits, then optional spaces.
        case size
        case sizeTrailingSpace
        case sizeLF
        /// Inside a chunk's data; `remaining` bytes to go.
        case data
        case dataCR
        case dataLF
        /// After the last chunk: trailer field lines until an empty one.
        case trailerLineStart
        case trailerLine
        case trailerLF(lineWasEmpty: Bool)
    }

    private(set) var state = State.scanning
    private var position = Position.size
    private let maxBodyBytes: Int
    private let maxTrailerBytes: Int
    private var total = 0
    private var chunkSize = 0
    private var digits = 0
    private var remaining = 0
    private var trailerBytes = 0

    init(maxBodyBytes: Int, maxTrailerBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTrailerBytes = maxTrailerBytes
    }

    /// Feeds the next bytes of the body; returns the state after them. Once the state is no
    /// longer `.scanning`, further bytes are ignored.
    @discardableResult
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> State {
        var index = bytes.startIndex
        while index < bytes.endIndex, state == .scanning {
            if case .data = position {
                // Chunk data is skipped, not inspected.
                let skipped = min(remaining, bytes.endIndex - index)
                remaining -= skipped
                index += skipped
                if remaining == 0 { position = .dataCR }
                continue
            }
            step(bytes[index])
            index += 1
        }
        return state
    }

    private mutating func step(_ byte: UInt8) {
        switch position {
        case .size:
            if let value = PercentDecoding.hexValue(byte) {
                digits += 1
                // Sixteen hex digits would overflow; any such size is over the limit anyway.
                chunkSize = digits > 15 ? Int.max : chunkSize << 4 | Int(value)
            } else if digits > 0, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                position = .sizeTrailingSpace
            } else if digits > 0, byte == UInt8(ascii: "\r") {
                position = .sizeLF
            } else {
                malformed("malformed chunk size")
            }
        case .sizeTrailingSpace:
            if byte == UInt8(ascii: "\r") {
                position = .sizeLF
            } else if byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") {
                malformed("malformed chunk size")
            }
        case .sizeLF:
            guard byte == UInt8(ascii: "\n") else { return malformed("malformed chunk size") }
            guard chunkSize <= maxBodyBytes - total else {
                state = .refused(RequestHeadScanner.Refusal(status: 413, key: "body", message: "larger than \(maxBodyBytes) bytes"))
                return
            }
            total += chunkSize
            if chunkSize == 0 {
                position = .trailerLineStart
            } else {
                remaining = chunkSize
                position = .data
            }
            chunkSize = 0
            digits = 0
        case .data:
            break  // handled in `scan`
        case .dataCR:
            if byte == UInt8(ascii: "\r") { position = .dataLF } else { malformed("chunk data not followed by CRLF") }
        case .dataLF:
            if byte == UInt8(ascii: "\n") { position = .size } else { malformed("chunk data not followed by CRLF") }
        case .trailerLineStart, .trailerLine:
            trailerBytes += 1
            guard trailerBytes <= maxTrailerBytes else {
                state = .refused(RequestHeadScanner.Refusal(status: 431, key: "header", message: "trailer section too large"))
                return
            }
            let lineIsEmpty: Bool
            if case .trailerLineStart = position { lineIsEmpty = true } else { lineIsEmpty = false }
            if byte == UInt8(ascii: "\r") {
                position = .trailerLF(lineWasEmpty: lineIsEmpty)
            } else if byte == 0 || byte == UInt8(ascii: "\n") {
                malformed("malformed trailer section")
            } else {
                position = .trailerLine
            }
        case let .trailerLF(lineWasEmpty):
            guard byte == UInt8(ascii: "\n") else { return malformed("malformed trailer section") }
            if lineWasEmpty { state = .complete } else { position = .trailerLineStart }
        }
    }

    private mutating func malformed(_ message: String) {
        state = .refused(RequestHeadScanner.Refusal(status: 400, key: "body", message: message))
    }
}
