#if canImport(Glibc)
import Glibc
#endif

/// The reason phrase of every status code the kernel may send, as RFC 9110 §15 names it.
/// evhttp's own table is older (it answers `422 Client Error`), so the kernel passes the phrase
/// itself; what goes on the status line is what clients and proxies log.
public enum ReasonPhrase {
    public static func of(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 203: "Non-Authoritative Information"
        case 204: "No Content"
        case 205: "Reset Content"
        case 206: "Partial Content"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 425: "Too Early"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        // A code without a registered phrase: its class's name (RFC 9110 allows any phrase).
        default:
            switch status / 100 {
            case 1: "Informational"
            case 2: "Success"
            case 3: "Redirection"
            case 4: "Client Error"
            default: "Server Error"
            }
        }
    }

    /// The phrases as C strings, made once per process: the reply path passes a pointer.
    /// Written once, read only afterwards.
    nonisolated(unsafe) static let cStrings: [UnsafeMutablePointer<CChar>] = (0..<600).map { strdup(of($0))! }

    /// The phrase for `status` as a C string that lives as long as the process.
    static func cString(_ status: Int) -> UnsafeMutablePointer<CChar> {
        cStrings[(100..<600).contains(status) ? status : 500]
    }
}
