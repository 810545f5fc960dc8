/// A W3C `tracestate`, checked as Trace Context level 1 says: at most 32 `key=value` members
/// separated by commas, where a key is `[a-z][a-z0-9_*/-]{0,255}` or `tenant@system`
/// (`[a-z0-9][a-z0-9_*/-]{0,240}` `@` `[a-z][a-z0-9_*/-]{0,13}`), and a value is 1 to 256
/// printable ASCII characters other than `,` and `=`, not ending in a space. Empty members and
/// spaces or tabs around members are allowed and ignored.
///
/// An invalid `tracestate` is dropped whole and never affects `traceparent` (the
/// specification's rule). The keys of the later drafts (`@` anywhere, longer system ids) are
/// not accepted: the swift-w3c-trace-context parser swift-otel uses refuses them, and its
/// refusal would lose the `traceparent` too.
enum TraceStateList {
    static let maximumMembers = 32

    /// The request's `tracestate` fields as one list (several fields are one list, in order),
    /// written as `key=value,key=value` without the optional whitespace and empty members the
    /// tracer's parser does not take; nil when it is invalid or has no member.
    static func normalized(_ fields: [String]) -> String? {
        var members: [String] = []
        for field in fields {
            for member in field.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let member = member.trimmingOptionalWhitespace()
                if member.isEmpty { continue }
                guard members.count < maximumMembers, let equals = member.firstIndex(of: UInt8(ascii: "=")),
                    isKey(member[..<equals]), isValue(member[member.index(after: equals)...])
                else { return nil }
                members.append(String(decoding: member, as: UTF8.self))
            }
        }
        return members.isEmpty ? nil : members.joined(separator: ",")
    }

    static func isKey(_ key: some Collection<UInt8>) -> Bool {
        guard let at = key.firstIndex(of: UInt8(ascii: "@")) else {
            return (1...256).contains(key.count) && isLowercaseLetter(key.first!) && key.allSatisfy(isKeyCharacter)
        }
        let tenant = key[..<at]
        let system = key[key.index(after: at)...]
        return (1...241).contains(tenant.count) && (isLowercaseLetter(tenant.first!) || isDigit(tenant.first!))
            && tenant.allSatisfy(isKeyCharacter)
            && (1...14).contains(system.count) && isLowercaseLetter(system.first!) && system.allSatisfy(isKeyCharacter)
    }

    static func isValue(_ value: some BidirectionalCollection<UInt8>) -> Bool {
        (1...256).contains(value.count) && value.allSatisfy { (0x20...0x7E).contains($0) && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
            && value.last != UInt8(ascii: " ")
    }

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        isLowercaseLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "/")
    }
}
