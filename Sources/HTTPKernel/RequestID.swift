/// Request id rules: a client's `X-Request-Id` is kept when it is short and made only of
/// characters that are safe in headers, logs and URLs; anything else is replaced.
public enum RequestID {
    public static let maxLength = 128

    public static func isSafe(_ candidate: String) -> Bool {
        let bytes = candidate.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: ":"):
                true
            default: false
            }
        }
    }

    /// The id to use for a request: the inbound one if safe, otherwise one from `generator`.
    public static func resolve(inbound: String?, generator: inout Generator) -> String {
        if let inbound, isSafe(inbound) { return inbound }
        return generator.next()
    }

    /// Unique ids without a system call per request: a random 64-bit prefix chosen when the
    /// generator is made, then a counter. One generator per event loop, used only on its thread.
    public struct Generator: Sendable {
        private let prefix: String
        private var counter: UInt64 = 0

        public init() {
            var random = SystemRandomNumberGenerator()
            let bits = random.next() as UInt64
            let hex = String(bits, radix: 16)
            prefix = String(repeating: "0", count: 16 - hex.count) + hex
        }

        public mutating func next() -> String {
            counter &+= 1
            let hex = String(counter, radix: 16)
            return prefix + "-" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        }
    }
}
