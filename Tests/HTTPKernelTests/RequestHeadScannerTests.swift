@testable import HTTPKernel
import Testing

@Suite("Request head scanner")
struct RequestHeadScannerTests {
    func feed(_ pieces: [[UInt8]]) -> RequestHeadScanner.State {
        var scanner = RequestHeadScanner()
        for piece in pieces { piece.withUnsafeBytes { _ = scanner.scan($0) } }
        return scanner.state
    }

    func feed(_ text: String...) -> RequestHeadScanner.State { feed(text.map { Array($0.utf8) }) }

    @Test("a head ends at its first empty line, in one piece or many")
    func headEnds() {
        #expect(feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == .headComplete)
        #expect(feed("GET / HTTP/1.1\r\nHo", "st: x\r", "\n\r", "\n") == .headComplete)
        #expect(feed("GET / HTTP/1.1\r\nHost: x\r\n") == .scanning)
    }

    @Test("CRLF before the request line does not end the head")
    func leadingEmptyLines() {
        #expect(feed("\r\n\r\nGET / HTTP/1.1\r\n") == .scanning)
    }

    @Test("a NUL in the head is refused, in any piece; one after the head is not looked at")
    func nul() {
        #expect(feed([Array("GET / HTTP/1.1\r\nX: a".utf8) + [0]]) == .refused("NUL byte in request head"))
        #expect(feed([Array("GET / HTTP/1.1\r\n".utf8), [0], Array("\r\n\r\n".utf8)]) == .refused("NUL byte in request head"))
        #expect(feed([Array("GET / HTTP/1.1\r\n\r\n".utf8) + [0, 0]]) == .headComplete)
    }

    @Test("bare LF and folded lines are refused; tabs and spaces inside lines are fine")
    func lineShapes() {
        #expect(feed("GET / HTTP/1.1\nHost: x\n\n") == .refused("bare LF in request head"))
        #expect(feed("GET / HTTP/1.1\r\nHost: x\r\nX: a\nY: b\r\n\r\n") == .refused("bare LF in request head"))
        #expect(feed("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n") == .refused("folded header line (obs-fold)"))
        #expect(feed("GET / HTTP/1.1\r\nX: a\r\n", "\tb\r\n\r\n") == .refused("folded header line (obs-fold)"))
        #expect(feed("GET / HTTP/1.1\r\nX: a \t b\r\n\r\n") == .headComplete)
    }
}
