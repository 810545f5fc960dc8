@testable import HTTPKernel
import HTTPTestSupport
import Testing

@Suite("Chunked body scanner")
struct ChunkedBodyScannerTests {
    func feed(_ pieces: [String], max: Int = 100) -> ChunkedBodyScanner.State {
        var scanner = ChunkedBodyScanner(maxBodyBytes: max, maxTrailerBytes: 64)
        for piece in pieces { Array(piece.utf8).withUnsafeBytes { _ = scanner.scan($0) } }
        return scanner.state
    }

    static let tooLarge = RequestHeadScanner.Refusal(status: 413, key: "body", message: "larger than 100 bytes")

    @Test("a well-framed body completes at the end of its trailer section, in one piece or many")
    func completes() {
        #expect(feed(["5\r\nhello\r\n0\r\n\r\n"]) == .complete)
        #expect(feed(["5\r", "\nhel", "lo\r\n", "0\r\n", "\r", "\n"]) == .complete)
        #expect(feed(["A  \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"]) == .complete)
        #expect(feed(["5\r\nhello\r\n"]) == .scanning)
        #expect(feed(["0\r\n\r\nGET / HTTP/1.1\r\n"]) == .complete, "bytes after the body are the next request's")
    }

    @Test("the limit is on the sum of the chunk sizes, refused at the size line that passes it")
    func limit() {
        #expect(feed(["64\r\n" + String(repeating: "a", count: 100) + "\r\n0\r\n\r\n"]) == .complete, "exactly the limit")
        #expect(feed(["65\r\n"]) == .refused(Self.tooLarge))
        #expect(feed(["32\r\n" + String(repeating: "a", count: 50) + "\r\n", "33\r\n"]) == .refused(Self.tooLarge))
        #expect(feed(["FFFFFFFFFFFFFFFFFFFFFFFF\r\n"]) == .refused(Self.tooLarge), "no overflow")
    }

    @Test("framing evhttp cannot read, or a proxy may read differently, is a 400")
    func malformed() {
        for body in ["zz\r\n", "\r\n", " 5\r\n", "5;ext=1\r\nhello\r\n", "5\nhello", "5\r\nhelloX\r\n", "5\r\nhello\r\r", "0\r\nX\n"] {
            if case let .refused(refusal) = feed([body]) {
                #expect(refusal.status == 400, "\(body.debugDescription)")
            } else {
                Issue.record("\(body.debugDescription) was not refused")
            }
        }
    }

    @Test("the head scanner refuses a Transfer-Encoding other than one chunked, which evhttp would read as no body")
    func transferCodings() {
        func head(_ fields: String) -> RequestHeadScanner.State {
            var scanner = RequestHeadScanner()
            Array("POST / HTTP/1.1\r\nHost: x\r\n\(fields)\r\n".utf8).withUnsafeBytes { _ = scanner.scan($0) }
            return scanner.state
        }
        // RFC 9112 section 6.3: chunked not final is 400; section 6.1: a coding not implemented is 501.
        let notFinal = RequestHeadScanner.State.refused(.header("Transfer-Encoding must end with chunked"))
        let notImplemented = RequestHeadScanner.State.refused(.init(status: 501, key: "header", message: "only the chunked transfer coding is implemented"))
        #expect(head("Transfer-Encoding: chunked\r\n") == .headComplete)
        #expect(head("transfer-encoding:  CHUNKED \t\r\n") == .headComplete)
        for value in ["gzip", "chunked, gzip", "chunkedx", "identity", "chunked          x"] {
            #expect(head("Transfer-Encoding: \(value)\r\n") == notFinal, "\(value)")
        }
        #expect(head("Transfer-Encoding: gzip, chunked\r\n") == notImplemented)
        #expect(head("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") == .refused(.header("chunked applied more than once")))
    }
}
