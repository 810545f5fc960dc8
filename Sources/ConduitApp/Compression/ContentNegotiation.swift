import Foundation

/// The content codings this server can apply to a response body, in order of preference.
enum ContentCoding: String, Sendable, CaseIterable {
    case gzip
    case deflate
}

/// What a request's `Accept-Encoding` allows (RFC 9110 §12.5.3), reduced to the choice this
/// server has to make.
struct AcceptEncoding: Equatable, Sendable {
    /// The coding to send when the body is worth compressing: the acceptable one with the
    /// highest weight (gzip on a tie), or nil when only `identity` is acceptable.
    let preferred: ContentCoding?
    /// Whether a body may go out without a coding. False only when `identity;q=0` or `*;q=0`
    /// (with no weight of its own for identity) says so.
    let identityAllowed: Bool

    /// Neither a coding we have nor the unencoded body: the request can only get a 406.
    var nothingAcceptable: Bool { preferred == nil && !identityAllowed }

    /// Parses the header's values (every `Accept-Encoding` field, in order). An element whose
    /// weight is not a valid qvalue is ignored, as if absent; codings compare case-insensitively;
    /// `x-gzip` is `gzip` (RFC 9110 §8.4.1.3).
    init(_ values: [String]) {
        var weights: [String: Double] = [:]
        for value in values {
            for element in value.split(separator: ",") {
                let parts = element.split(separator: ";", omittingEmptySubsequences: false)
                var coding = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
                guard !coding.isEmpty else { continue }
                if coding == "x-gzip" { coding = "gzip" }
                var weight = 1.0
                var valid = true
                for parameter in parts.dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard pair.count == 2, pair[0].lowercased() == "q" else { continue }
                    guard let parsed = Self.qvalue(pair[1]) else { valid = false; break }
                    weight = parsed
                }
                // The first mention of a coding wins; later duplicates are ignored.
                if valid, weights[coding] == nil { weights[coding] = weight }
            }
        }
        let wildcard = weights["*"]
        func weight(of coding: ContentCoding) -> Double { weights[coding.rawValue] ?? wildcard ?? 0 }
        // In order of preference: on equal weights the first (gzip) wins.
        var best: ContentCoding?
        for coding in ContentCoding.allCases where weight(of: coding) > 0 {
            if let current = best, weight(of: coding) <= weight(of: current) { continue }
            best = coding
        }
        // A client that gives identity (by name or through `*`) more weight than every coding
        // we have gets the body as it is; an unnamed identity is acceptable but not preferred.
        let identityWeight = weights["identity"] ?? wildcard
        if let best, let identityWeight, identityWeight > weight(of: best) {
            preferred = nil
        } else {
            preferred = best
        }
        // Identity is acceptable unless refused by name or by `*;q=0`.
        identityAllowed = (identityWeight ?? 1) > 0
    }

    /// `0`, `1`, `0.5`, `0.125`, `1.000`: at most three decimals, never above 1 (RFC 9110 §12.4.2).
    private static func qvalue(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1"), bytes.count <= 5 else { return nil }
        if bytes.count > 1 {
            guard bytes[1] == UInt8(ascii: "."), bytes.dropFirst(2).allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                return nil
            }
            if first == UInt8(ascii: "1"), !bytes.dropFirst(2).allSatisfy({ $0 == UInt8(ascii: "0") }) { return nil }
        }
        return Double(text)
    }
}
