/// A seeded mutator for when libFuzzer is not available: the same harness, driven by random
/// edits of the seed corpus. Inputs that reach a new outcome (route, status, error keys) join
/// the corpus, a crude stand-in for coverage feedback.
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64: small, fast, and the same sequence for the same seed.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    mutating func mutate(_ input: [UInt8], corpus: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            let position = below(bytes.count + 1)
            switch below(8) {
            case 0 where !bytes.isEmpty:  // flip a bit
                let index = below(bytes.count)
                bytes[index] ^= 1 << UInt8(below(8))
            case 1:  // a random byte
                bytes.insert(UInt8(truncatingIfNeeded: next()), at: position)
            case 2 where !bytes.isEmpty:  // drop a range
                let end = min(bytes.count, position + 1 + below(16))
                if position < end { bytes.removeSubrange(position..<end) }
            case 3 where !bytes.isEmpty:  // repeat a range
                let start = below(bytes.count)
                let end = min(bytes.count, start + 1 + below(32))
                bytes.insert(contentsOf: bytes[start..<end], at: position)
            case 4:  // splice the tail of another input
                let other = corpus[below(corpus.count)]
                let cut = below(other.count + 1)
                bytes = Array(bytes.prefix(position)) + other[cut...]
            case 5 where !bytes.isEmpty:  // the flags byte: method, auth, JSON
                bytes[0] = UInt8(truncatingIfNeeded: next())
            default:  // a dictionary fragment
                bytes.insert(contentsOf: Seeds.dictionary[below(Seeds.dictionary.count)], at: position)
            }
        }
        return Array(bytes.prefix(4096))
    }
}
