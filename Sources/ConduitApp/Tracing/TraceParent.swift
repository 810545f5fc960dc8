/// A W3C `traceparent` value, checked as Trace Context (levels 1 and 2) says a receiver must
/// before continuing a trace: anything else starts a new trace.
///
/// `version-traceid-parentid-flags`, every field lowercase hex: version not `ff`; trace id 32
/// digits and parent id 16, neither all zeros; flags 2. Version `00` is exactly 55 characters.
/// A later version may append fields, so it is read as its first 55 characters followed by
/// the end or a `-`, and only the flags' sampled bit is kept (the specification's "Versioning
/// of traceparent"). Spaces and tabs around the value are optional whitespace.
struct TraceParent: Equatable {
    let traceID: String
    /// The parent-id field: the span of the sender.
    let spanID: String
    let flags: UInt8

    init?(_ text: some StringProtocol) {
        let value = Array(Array(text.utf8).trimmingOptionalWhitespace())
        guard value.count >= 55, let version = Self.hexByte(value[0], value[1]), version != 0xFF,
            value[2] == Self.dash, value[35] == Self.dash, value[52] == Self.dash,
            value.count == 55 || (version != 0 && value[55] == Self.dash),
            let flags = Self.hexByte(value[53], value[54])
        else { return nil }
        let traceID = value[3..<35]
        let spanID = value[36..<52]
        guard traceID.allSatisfy(Self.isHexDigit), spanID.allSatisfy(Self.isHexDigit),
            traceID.contains(where: { $0 != Self.zero }), spanID.contains(where: { $0 != Self.zero })
        else { return nil }
        self.traceID = String(decoding: traceID, as: UTF8.self)
        self.spanID = String(decoding: spanID, as: UTF8.self)
        self.flags = version == 0 ? flags : flags & 0x01
    }

    /// The version `00` form: what the tracer is handed, whichever version came in.
    var headerValue: String {
        let flags = String(self.flags, radix: 16)
        return "00-\(traceID)-\(spanID)-\(flags.count == 1 ? "0" : "")\(flags)"
    }

    private static let dash = UInt8(ascii: "-")
    private static let zero = UInt8(ascii: "0")

    /// Lowercase only: `HEXDIGLC` in the specification.
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func hexByte(_ high: UInt8, _ low: UInt8) -> UInt8? {
        guard isHexDigit(high), isHexDigit(low) else { return nil }
        func value(_ digit: UInt8) -> UInt8 { digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10 }
        return value(high) << 4 | value(low)
    }
}

extension BidirectionalCollection<UInt8> {
    /// Without leading and trailing spaces and tabs (HTTP's `OWS`), which the trace context
    /// headers allow around a value and around each `tracestate` member.
    func trimmingOptionalWhitespace() -> SubSequence {
        let isWhitespace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = firstIndex(where: { !isWhitespace($0) }), let last = lastIndex(where: { !isWhitespace($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}
