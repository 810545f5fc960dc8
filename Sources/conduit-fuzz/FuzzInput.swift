import HTTPKernel

/// How the fuzzer's bytes become a request, so that mutations land on every part of it:
///
///     <flags byte><target>\n<Name: value>\n...\n\n<body>
///
/// Flags: bits 0-2 pick the method, bit 6 adds `Content-Type: application/json`, bit 7 adds
/// a valid token for a user that exists (so authenticated routes get past 401 and their
/// validation is reached). The target is `path[?query]`, decoded as the kernel does.
struct FuzzInput {
    static let methods: [HTTPMethod] = [.get, .head, .post, .put, .patch, .delete, .options, .get]

    var method: HTTPMethod
    var authenticated: Bool
    var json: Bool
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(_ bytes: [UInt8]) {
        let flags = bytes.first ?? 0
        method = Self.methods[Int(flags & 7)]
        json = flags & 0x40 != 0
        authenticated = flags & 0x80 != 0
        var rest = bytes.dropFirst()
        func line() -> [UInt8]? {
            guard !rest.isEmpty else { return nil }
            let end = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
            let text = Array(rest[rest.startIndex..<end])
            rest = end < rest.endIndex ? rest[(end + 1)...] : rest[rest.endIndex...]
            return text
        }
        // evhttp hands over C strings: no NUL survives into a path or a header.
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.filter { $0 != 0 }, as: UTF8.self) }
        target = text(line() ?? Array("/".utf8))
        headers = []
        while let header = line(), !header.isEmpty {
            let parts = header.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? text(Array(parts[1])).trimmingLeadingSpaces : ""
            headers.append((text(Array(parts[0])), value))
        }
        body = Array(rest)
    }

    /// The request the kernel would build, or nil where the kernel itself answers (a query it
    /// cannot decode gets 400 before any handler runs).
    func request(token: String) -> HTTPRequest? {
        let question = target.firstIndex(of: "?")
        let path = question.map { String(target[..<$0]) } ?? target
        let query: QueryParameters
        if let question {
            guard let decoded = QueryParameters(raw: target[target.index(after: question)...]) else { return nil }
            query = decoded
        } else {
            query = QueryParameters()
        }
        var fields = headers
        if json { fields.append(("Content-Type", "application/json")) }
        if authenticated { fields.append(("Authorization", "Token \(token)")) }
        return HTTPRequest(
            method: method, path: path.isEmpty ? "/" : path, query: query, headers: HTTPHeaders(fields), body: body,
            peerAddress: "127.0.0.1", requestID: "fuzz", logger: FuzzHarness.logger)
    }

    /// The bytes that decode to this shape (for writing seeds).
    static func encode(_ method: HTTPMethod, _ target: String, headers: [String] = [], body: String = "", json: Bool = true, authenticated: Bool = false) -> [UInt8] {
        let index = UInt8(methods.firstIndex(of: method)!)
        let flags = index | (json ? 0x40 : 0) | (authenticated ? 0x80 : 0)
        return [flags] + Array((target + "\n" + headers.map { $0 + "\n" }.joined() + "\n" + body).utf8)
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " || $0 == "\t" }) }
}
