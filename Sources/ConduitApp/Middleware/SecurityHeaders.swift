import HTTPKernel

/// Headers that keep a browser from sniffing, framing, caching or leaking what the API returns.
enum SecurityHeaders {
    /// The fields every response carries, whoever writes it: the kernel adds them to its own
    /// answers (refused heads, 413, 431, a shed 503) as well as to the application's
    /// (``HTTPKernel/ServerConfiguration/commonHeaders``).
    static func fields(production: Bool) -> HTTPHeaders {
        var fields: HTTPHeaders = [
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
        ]
        if production { fields.add("Strict-Transport-Security", "max-age=31536000; includeSubDomains") }
        return fields
    }
}
