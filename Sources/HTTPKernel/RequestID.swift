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
        private let prefix: UInt64
        private var counter: UInt64 = 0

        public init() {
            var random = SystemRandomNumberGenerator()
            prefix = random.next()
        }

        /// `<16 hex digits>-<8+ hex digits>`, built in one allocation.
        public mutating func next() -> String {
            counter &+= 1
            let counterDigits = max(8, (64 - counter.leadingZeroBitCount + 3) / 4)
            let prefix = self.prefix
            let counter = self.counter
            return String(unsafeUninitializedCapacity: 17 + counterDigits) { buffer in
                func hex(_ nibble: UInt64) -> UInt8 { nibble < 10 ? 48 + UInt8(nibble) : 87 + UInt8(nibble) }
                for index in 0..<16 {
                    buffer[index] = hex((prefix >> (60 - 4 * UInt64(index))) & 0xF)
                }
                buffer[16] = UInt8(ascii: "-")
                for index in 0..<counterDigits {
                    buffer[17 + index] = hex((counter >> (4 * UInt64(counterDigits - 1 - index))) & 0xF)
                }
                return 17 + counterDigits
            }
        }
    }
}
