/// What RFC 9110 allows in a header field, checked on the C strings evhttp hands over.
enum HeaderSyntax {
    /// `token = 1*tchar`: letters, digits and ``!#$%&'*+-.^_`|~``.
    static func isToken(_ name: UnsafePointer<CChar>) -> Bool {
        var pointer = UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self)
        guard pointer.pointee != 0 else { return false }
        while pointer.pointee != 0 {
            guard tokenCharacters[Int(pointer.pointee)] else { return false }
            pointer += 1
        }
        return true
    }

    /// Checked for every byte of a head's field names: two constant masks, no table to load.
    /// (`HeaderSyntaxTests` holds them to the definition.)
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        if byte < 64 { return (tokenMaskBelow64 >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (tokenMaskFrom64 >> UInt64(byte - 64)) & 1 == 1 }
        return false
    }

    /// Bit b set when byte b (0-63), or 64 + b (64-127), is a tchar.
    static let tokenMaskBelow64: UInt64 = 0x03FF_6CFA_0000_0000
    static let tokenMaskFrom64: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    /// A field value has no control characters except horizontal tab (obs-text, bytes of 0x80
    /// and above, is left to the UTF-8 check).
    static func isFieldValue(_ value: UnsafePointer<CChar>) -> Bool {
        var pointer = UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self)
        while true {
            let byte = pointer.pointee
            if byte == 0 { return true }
            if (byte < 0x20 && byte != 0x09) || byte == 0x7F { return false }
            pointer += 1
        }
    }

    private static let tokenCharacters: [Bool] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(UInt8(byte))
        }
    }
}
