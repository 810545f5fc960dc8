import Foundation
import HTTPKernel

/// Response compression (RFC 9110 §8.4, §12.5.3): a body of a compressible type, at least
/// `minimumBytes` long, goes out gzip- or deflate-coded when the request's `Accept-Encoding`
/// prefers one of them, with `Vary: Accept-Encoding` (a cache must not serve the coded body to
/// a client that did not ask for it) and the coded length as `Content-Length`. HEAD, 204 and 304
/// answers, and bodies that already have a coding, are left alone.
///
/// A request that refuses `identity` and every coding we have (`identity;q=0`, `*;q=0`) gets
/// 406 before its handler runs: nothing it could be sent is acceptable to it, and a write must
/// not happen for an answer the client will not take.
///
/// It sits inside the conditional-GET middleware, so an `ETag` is the hash of the bytes sent:
/// the gzip body and the plain one have different strong tags, as they must.
struct CompressionMiddleware: SynchronousMiddleware {
    let minimumBytes: Int
    let deflaters: DeflaterPool

    init(minimumBytes: Int, level: Int, pooledStreams: Int) {
        self.minimumBytes = minimumBytes
        deflaters = DeflaterPool(level: level, capacity: pooledStreams)
    }

    /// A request that can take none of the codings is refused before its handler runs.
    func intercept(_ request: inout HTTPRequest) throws -> HTTPResponse? {
        guard request.headers["Accept-Encoding"] != nil else { return nil }
        if AcceptEncoding(request.headers.values(for: "Accept-Encoding")).nothingAcceptable {
            throw HTTPError(status: 406, key: "Accept-Encoding", "allows none of gzip, deflate or identity")
        }
        return nil
    }

    func finish(_ response: inout HTTPResponse, for request: HTTPRequest) {
        // Most load tools and many API clients send no Accept-Encoding: they get the body as it
        // is, and the only work is the Vary a cache needs, decided with the cheap checks first.
        guard request.headers["Accept-Encoding"] != nil else {
            if worthCompressing(response, for: request) { response.headers.add("Vary", "Accept-Encoding") }
            return
        }
        let accepted = AcceptEncoding(request.headers.values(for: "Accept-Encoding"))
        // A client that refuses identity gets a coding whatever the size or type.
        guard worthCompressing(response, for: request) || (!accepted.identityAllowed && Self.mayCode(response, for: request)) else {
            return
        }
        response.headers.add("Vary", "Accept-Encoding")
        guard let coding = accepted.preferred, let compressed = deflaters.compress(response.body, with: coding) else { return }
        response.body = compressed
        response.headers.set("Content-Encoding", coding.rawValue)
    }

    /// A body that may be coded at all: not for HEAD, 1xx, 204 or 304, not empty, not coded yet.
    static func mayCode(_ response: HTTPResponse, for request: HTTPRequest) -> Bool {
        request.method != .head && response.status >= 200 && response.status != 204 && response.status != 304
            && !response.body.isEmpty && response.headers["Content-Encoding"] == nil
    }

    /// Large enough and of a compressible type.
    func worthCompressing(_ response: HTTPResponse, for request: HTTPRequest) -> Bool {
        response.body.count >= max(minimumBytes, 1) && Self.mayCode(response, for: request)
            && Self.isCompressible(response.headers["Content-Type"])
    }

    /// Text and the structured text types (JSON, XML, JavaScript); not images or archives,
    /// which are compressed already.
    static func isCompressible(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        // What this API sends, without lowercasing or trimming.
        if contentType.hasPrefix("application/json") { return true }
        let mediaType = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType.hasPrefix("text/") || mediaType.hasSuffix("+json") || mediaType.hasSuffix("+xml")
            || ["application/json", "application/xml", "application/javascript", "image/svg+xml"].contains(mediaType)
    }
}
