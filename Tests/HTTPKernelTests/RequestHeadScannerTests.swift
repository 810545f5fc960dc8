@testable import HTTPKernel
import HTTPTestSupport
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
        #expect(feed([Array("GET / HTTP/1.1\r\nX: a".utf8) + [0]]) == .refused(.header("NUL byte in request head")))
        #expect(feed([Array("GET / HTTP/1.1\r\n".utf8), [0], Array("\r\n\r\n".utf8)]) == .refused(.header("NUL byte in request head")))
        #expect(feed([Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + [0, 0]]) == .headComplete)
    }

    @Test("bare LF and folded lines are refused; tabs and spaces inside lines are fine")
    func lineShapes() {
        #expect(feed("GET / HTTP/1.1\nHost: x\n\n") == .refused(.header("bare LF in request head")))
        #expect(feed("GET / HTTP/1.1\r\nHost: x\r\nX: a\nY: b\r\n\r\n") == .refused(.header("bare LF in request head")))
        #expect(feed("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n") == .refused(.header("folded header line (obs-fold)")))
        #expect(feed("GET / HTTP/1.1\r\nX: a\r\n", "\tb\r\n\r\n") == .refused(.header("folded header line (obs-fold)")))
        #expect(feed("GET / HTTP/1.1\r\nHost: x\r\nX: a \t b\r\n\r\n") == .headComplete)
    }

    @Test("request lines: method SP target SP HTTP/d.d, else 400 in the envelope; unknown methods 501")
    func requestLines() {
        let malformed = RequestHeadScanner.Refusal.requestLine("malformed request line")
        let badVersion = RequestHeadScanner.Refusal.requestLine("malformed request line or unsupported HTTP version")
        let notImplemented = RequestHeadScanner.Refusal(status: 501, key: "method", message: "method not implemented")
        for good in ["GET / HTTP/1.1", "DELETE /api/articles/x?y=1 HTTP/1.0", "OPTIONS * HTTP/1.1", "GET http://h/p HTTP/1.1",
                     "GET / HTTP/1.1  ", "TRACE / HTTP/1.1", "GET /caf\u{E9} HTTP/1.1", "GET / HTTP/0.9"] {
            #expect(feed(good + "\r\nHost: x\r\n\r\n") == .headComplete, "\(good)")
        }
        #expect(feed("GARBAGE\r\n\r\n") == .refused(badVersion))
        #expect(feed("GET\r\n\r\n") == .refused(badVersion))
        #expect(feed("GET /\r\n\r\n") == .refused(badVersion))
        #expect(feed("GET / HTTP/2.0\r\n\r\n") == .refused(badVersion))
        #expect(feed("GET / HTTP/1.10\r\n\r\n") == .refused(badVersion))
        #expect(feed("GET / http/1.1\r\n\r\n") == .refused(badVersion))
        #expect(feed("GET /a b HTTP/1.1\r\n\r\n") == .refused(malformed))
        #expect(feed("GET  / HTTP/1.1\r\n\r\n") == .refused(malformed))
        #expect(feed(" GET / HTTP/1.1\r\n\r\n") == .refused(malformed))
        #expect(feed("G(T / HTTP/1.1\r\n\r\n") == .refused(malformed))
        #expect(feed("GET /\u{1}x HTTP/1.1\r\n\r\n") == .refused(.requestLine("control character in request line")))
        #expect(feed("GET\t/ HTTP/1.1\r\n\r\n") == .refused(.requestLine("control character in request line")))
        for method in ["CONNECT", "get", "QUERY", "PROPFIND", "GETS"] {
            #expect(feed("\(method) / HTTP/1.1\r\n\r\n") == .refused(notImplemented), "\(method)")
        }
        // Split anywhere, the same answers.
        #expect(feed("GE", "T / HT", "TP/1.1\r", "\nHost: x\r\n\r\n") == .headComplete)
        #expect(feed("GET /a", " b HTTP/1.1\r\n\r\n") == .refused(malformed))
    }

    @Test("a header line without a colon and a bare CR are refused")
    func colonAndCR() {
        #expect(feed("GET / HTTP/1.1\r\nNoColon\r\n\r\n") == .refused(.header("header line without a colon")))
        #expect(feed("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n") == .refused(.header("bare CR in request head")))
        #expect(feed("GET / HTTP/1.1\r\nX: a\r", "\r\n\r\n") == .refused(.header("bare CR in request head")))
        #expect(feed("GET / HTTP/1.1\rX: a\r\n\r\n") == .refused(.header("bare CR in request head")))
        #expect(feed("GET / HTTP/1.1\r\nHost: x\r\nX:\r\n\r\n") == .headComplete)
    }
}

@Suite("Request head scanner: framing and limits")
struct RequestHeadFramingTests {
    func feed(_ text: String, maxHead: Int = .max, maxBody: Int = .max) -> RequestHeadScanner.State {
        var scanner = RequestHeadScanner(maxHeadBytes: maxHead, maxBodyBytes: maxBody)
        Array(text.utf8).withUnsafeBytes { _ = scanner.scan($0) }
        return scanner.state
    }

    @Test("a declared body over the limit is 413, at or under it passes, in any spelling of the name")
    func declaredLength() {
        #expect(feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n", maxBody: 1024) == .refused(.init(status: 413, key: "body", message: "larger than 1024 bytes")))
        #expect(feed("POST / HTTP/1.1\r\nHost: x\r\ncOnTeNt-LeNgTh:99999999999999999999999999\r\n\r\n", maxBody: 1024) == .refused(.init(status: 413, key: "body", message: "larger than 1024 bytes")))
        #expect(feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n", maxBody: 1024) == .headComplete)
        #expect(feed("POST / HTTP/1.1\r\nHost: x\r\nX-Content-Length: 5000\r\nContent-Lengthy: 5000\r\n\r\n", maxBody: 1024) == .headComplete)
    }

    @Test("Content-Length twice or as a list only with one value; with Transfer-Encoding, refused")
    func conflictingFraming() {
        #expect(feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n") == .refused(.header("conflicting Content-Length values")))
        #expect(feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n") == .headComplete)
        #expect(feed("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n") == .refused(.header("both Content-Length and Transfer-Encoding")))
        #expect(feed("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") == .headComplete)
    }

    @Test("a head over the limit is 431 as soon as the limit is passed")
    func headLimit() {
        let head = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 100)
        #expect(feed(head, maxHead: 64) == .refused(.init(status: 431, key: "header", message: "request head too large")))
        #expect(feed("GET / HTTP/1.0\r\n\r\n", maxHead: 18) == .headComplete)
    }

    func scanner(_ text: String) -> RequestHeadScanner {
        var scanner = RequestHeadScanner()
        Array(text.utf8).withUnsafeBytes { _ = scanner.scan($0) }
        return scanner
    }

    @Test("the request line's version is read: only HTTP/1.1 counts as persistent by default")
    func version() {
        #expect(scanner("GET / HTTP/1.1\r\nHost: x\r\n\r\n").isHTTP11)
        #expect(scanner("\r\nGET /a/b?c=HTTP/1.0 HTTP/1.1\r\nHost: x\r\n\r\n").isHTTP11)
        #expect(!scanner("GET / HTTP/1.0\r\nHost: x\r\n\r\n").isHTTP11)
        #expect(!scanner("GET / HTTP/1.10\r\n\r\n").isHTTP11)
        #expect(!scanner("GET / HTTP/1.0\r\nX: HTTP/1.1\r\n\r\n").isHTTP11)
    }

    @Test("the whole request's length is known only for a complete head with a plain body length")
    func requestLength() {
        #expect(scanner("GET / HTTP/1.0\r\n\r\n").requestLength == 18)
        #expect(scanner("\r\nGET / HTTP/1.1\r\nHost:\r\n\r\nnext").requestLength == 27)
        #expect(scanner("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n").requestLength == 48 + 10)
        #expect(scanner("POST / HTTP/1.1\r\nContent-Length: 10\r\n").requestLength == nil)
        #expect(scanner("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").requestLength == nil)
        #expect(scanner("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n").requestLength == nil)
    }

    /// The scanner is fed whatever each read returned: its answer must not depend on where the
    /// stream was cut. Heads are assembled from fragments that meet every rule's edge.
    @Test("the same answer however the bytes are split (2,000 seeded random heads)")
    func splitInvariance() {
        let fragments = [
            "GET / HTTP/1.1", "POST /a?b=c HTTP/1.0", "get / HTTP/1.1", "CONNECT h:1 HTTP/1.1", "GET /a b HTTP/1.1",
            "GET / HTTP/2.0", "GET  / HTTP/1.1", "OPTIONS * HTTP/1.1 ", "GARBAGE",
            "\r\n", "\r\n", "\r\n", "\n", "\r", " ", "\t", ":", "\u{0}", "\u{1}",
            "Host: x", "Content-Length: 5", "Content-Length: 99999999", "Transfer-Encoding: chunked", "NoColon", "X: a\rb",
            " folded", "X-Long: " + String(repeating: "v", count: 300),
        ]
        var random = SeededGenerator(state: 20261125)
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...8, using: &random) { text += fragments.randomElement(using: &random)! }
            let bytes = Array(text.utf8)
            var whole = RequestHeadScanner(maxHeadBytes: 400, maxBodyBytes: 1000)
            bytes.withUnsafeBytes { _ = whole.scan($0) }
            var pieces = RequestHeadScanner(maxHeadBytes: 400, maxBodyBytes: 1000)
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 1...6, using: &random))
                bytes[start..<end].withUnsafeBytes { _ = pieces.scan($0) }
                start = end
            }
            #expect(whole.state == pieces.state, "\(text.debugDescription)")
            #expect(whole.isHTTP11 == pieces.isHTTP11, "\(text.debugDescription)")
            #expect(whole.requestLength == pieces.requestLength, "\(text.debugDescription)")
        }
    }
}

/// RFC 9112 sections 3.2, 6.1 and 6.3, rule by rule. (The corpus of public smuggling payloads
/// runs over sockets in SmugglingCorpusTests.)
@Suite("Request head scanner: RFC 9112 framing")
struct RequestHeadRFC9112Tests {
    func scanner(_ head: String) -> RequestHeadScanner {
        var scanner = RequestHeadScanner(maxBodyBytes: 1_000_000)
        Array(head.utf8).withUnsafeBytes { _ = scanner.scan($0) }
        return scanner
    }

    func post(_ fields: String, version: String = "1.1") -> RequestHeadScanner.State {
        scanner("POST / HTTP/\(version)\r\nHost: x\r\n\(fields)\r\n\r\n").state
    }

    @Test("Content-Length is 1*DIGIT: signs, hex, decimals, letters and empty values are 400")
    func contentLengthDigits() {
        for value in ["+5", "-0", "-5", "5a", "0x5", "5.0", "", " ", "5 5", "1_000", "٥", "5;x"] {
            #expect(post("Content-Length: \(value)") == .refused(.header("invalid Content-Length")), "\(value.debugDescription)")
        }
        for value in ["5", "005", " 5 ", "\t5\t", "0"] {
            #expect(post("Content-Length: \(value)") == .headComplete, "\(value.debugDescription)")
        }
    }

    @Test("a Content-Length list is one length only when every value is the same")
    func contentLengthLists() {
        #expect(post("Content-Length: 5, 50") == .refused(.header("invalid Content-Length")))
        #expect(post("Content-Length: 5,6") == .refused(.header("invalid Content-Length")))
        #expect(post("Content-Length: 5\r\nContent-Length: 50") == .refused(.header("conflicting Content-Length values")))
        #expect(post("Content-Length: 5, 5") == .headComplete)
        #expect(post("Content-Length: , 5,,5 ,") == .headComplete)
        #expect(post("Content-Length: 5\r\nContent-Length: 5, 5") == .headComplete)
        #expect(scanner("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n").requestLength == 50 + 5)
    }

    @Test("a list is rewritten in place to the value evhttp must read")
    func listsRewritten() {
        func rewritten(_ head: String) -> String {
            var bytes = Array(head.utf8)
            var scanner = RequestHeadScanner()
            bytes.withUnsafeMutableBytes { _ = scanner.scan($0) }
            #expect(scanner.state == .headComplete, "\(head.debugDescription)")
            return String(decoding: bytes, as: UTF8.self)
        }
        #expect(rewritten("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n") == "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5   \r\n\r\n")
        #expect(rewritten("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ,5,5\r\n\r\n") == "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:  5  \r\n\r\n")
        #expect(rewritten("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked,\r\n\r\n") == "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \r\n\r\n")
        #expect(rewritten("POST / HTTP/1.1\r\nHost: x\r\nX: 5, 5\r\n\r\n") == "POST / HTTP/1.1\r\nHost: x\r\nX: 5, 5\r\n\r\n")
    }

    @Test("Transfer-Encoding: chunked last and once (else 400), no other coding (501), one field line")
    func transferCodings() {
        let notFinal = RequestHeadScanner.Refusal.header("Transfer-Encoding must end with chunked")
        for value in ["gzip", "chunked, gzip", "xchunked", "chunked;x=1", "identity", "", "chunked x", "\"chunked\""] {
            #expect(post("Transfer-Encoding: \(value)") == .refused(notFinal), "\(value.debugDescription)")
        }
        #expect(post("Transfer-Encoding: chunked, chunked") == .refused(.header("chunked applied more than once")))
        #expect(post("Transfer-Encoding: gzip, chunked") == .refused(.init(status: 501, key: "header", message: "only the chunked transfer coding is implemented")))
        #expect(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked") == .refused(.header("chunked applied more than once")))
        #expect(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: x") == .refused(notFinal))
        #expect(post("Transfer-Encoding:\r\nTransfer-Encoding: chunked") == .refused(.header("Transfer-Encoding in more than one field line")))
        #expect(post("Transfer-Encoding: chunked\r\nContent-Length: 3") == .refused(.header("both Content-Length and Transfer-Encoding")))
        for value in ["chunked", "CHUNKED", " chunked ", "Chunked", "chunked,", ", chunked"] {
            #expect(post("Transfer-Encoding: \(value)") == .headComplete, "\(value.debugDescription)")
        }
    }

    @Test("field names are tokens right up to the colon; values hold no control characters")
    func fieldNames() {
        #expect(post("Transfer-Encoding : chunked") == .refused(.header("invalid field name")))
        #expect(post("Content-Length\t: 5") == .refused(.header("invalid field name")))
        #expect(post(": x") == .refused(.header("empty field name")))
        #expect(post("X-\u{7F}: x") == .refused(.header("invalid field name")))
        #expect(post("Transfer-Encoding: \u{0B}chunked") == .refused(.header("control character in a field value")))
        #expect(post("X: a\u{0C}b") == .refused(.header("control character in a field value")))
        #expect(post("X: caf\u{E9}\tok") == .headComplete)
    }

    @Test("the masks are RFC 9110's tchar and RFC 3986's reg-name, byte for byte")
    func tokenMasks() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(HeaderSyntax.isTokenByte(byte) == tchar.contains(byte), "\(byte)")
        }
        let regName = Set("-._~%!$&'()*+,;=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(HostReader.isNameByte(byte) == regName.contains(byte), "\(byte)")
        }
    }

    @Test("the framing fields are told by their whole name, in any case, and by nothing else")
    func framingFieldNames() {
        #expect(post("HOST: y") == .refused(.header("more than one Host")))
        #expect(post("Hostx: y\r\nXHost: y\r\nHos: y") == .headComplete)
        #expect(post("cOnTeNt-LeNgTh: x") == .refused(.header("invalid Content-Length")))
        #expect(post("Content-Lengthx: x\r\nContent-Lengt: x\r\nX-Content-Length: x") == .headComplete)
        #expect(post("TRANSFER-ENCODING: x") == .refused(.header("Transfer-Encoding must end with chunked")))
        #expect(post("Transfer-Encodingg: x\r\nTransfer-Encodin: x\r\nTransfer-Encoding-X: x") == .headComplete)
    }

    @Test("HTTP/1.1 needs exactly one valid Host; HTTP/1.0 none or one")
    func host() {
        #expect(scanner("GET / HTTP/1.1\r\n\r\n").state == .refused(.header("missing Host")))
        #expect(scanner("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n").state == .refused(.header("more than one Host")))
        #expect(scanner("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n").state == .refused(.header("more than one Host")))
        for bad in ["a b", "a/b", "a@b", "[::1", "[::1]x", "a:8o", "a:80 x", "caf\u{E9}", "a\"b", "x{y}"] {
            #expect(scanner("GET / HTTP/1.1\r\nHost: \(bad)\r\n\r\n").state == .refused(.header("invalid Host")), "\(bad)")
            #expect(scanner("GET / HTTP/1.0\r\nHost: \(bad)\r\n\r\n").state == .refused(.header("invalid Host")), "\(bad)")
        }
        for good in ["", "a", "127.0.0.1:8080", "[::1]:80", "[v1.x]", "example.com.", "a-b_c~d%41", "h:", " x ", "xn--caf-dma.example"] {
            #expect(scanner("GET / HTTP/1.1\r\nHost: \(good)\r\n\r\n").state == .headComplete, "\(good.debugDescription)")
        }
        #expect(scanner("GET / HTTP/1.0\r\n\r\n").state == .headComplete)
        #expect(scanner("GET / HTTP/0.9\r\n\r\n").state == .headComplete)
        #expect(scanner("GET / HTTP/1.2\r\n\r\n").state == .refused(.header("missing Host")))
    }

    @Test("a chunked body on HTTP/1.0 is served, and closes the connection after its answer")
    func chunkedOnHTTP10() {
        #expect(scanner("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n").closesAfterReply)
        #expect(!scanner("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").closesAfterReply)
        #expect(!scanner("POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\n").closesAfterReply)
    }
}
