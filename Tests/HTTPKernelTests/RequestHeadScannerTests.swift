@testable import HTTPKernel
import Testing

@Suite("Request head scanner")
struct RequestHeadScannerTests {
    func feed(_ pieces: [[UInt8]]) -> RequestHeadScanner.State {
        var scanner = RequestHeadScanner()
        for piece in pieces { piece.withUnsafeBytes { _ = scanner.scan($0) } }
        return scanner.state
    }

    @Test("a head ends at its first empty line, with CRLF or bare LF")
    func headEnds() {
        #expect(feed([Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)]) == .headComplete)
        #expect(feed([Array("GET / HTTP/1.1\nHost: x\n\n".utf8)]) == .headComplete)
        #expect(feed([Array("GET / HTTP/1.1\r\nHo".utf8), Array("st: x\r".utf8), Array("\n\r\n".utf8)]) == .headComplete)
        #expect(feed([Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)]) == .scanning)
    }

    @Test("empty lines before the request line do not end the head")
    func leadingEmptyLines() {
        #expect(feed([Array("\r\n\r\nGET / HTTP/1.1\r\n".utf8)]) == .scanning)
    }

    @Test("a NUL in the head is found, in any piece; one after the head is not")
    func nul() {
        #expect(feed([Array("GET / HTTP/1.1\r\nX: a".utf8) + [0]]) == .foundNUL)
        #expect(feed([Array("GET / HTTP/1.1\r\n".utf8), [0], Array("\r\n\r\n".utf8)]) == .foundNUL)
        #expect(feed([Array("GET / HTTP/1.1\r\n\r\n".utf8) + [0, 0]]) == .headComplete)
    }
}
