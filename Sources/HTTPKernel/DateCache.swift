#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Date` header value (RFC 9110 IMF-fixdate), formatted at most once per second: each event
/// loop keeps one and refreshes it from a one-second timer instead of formatting per response.
public struct DateCache: Sendable {
    public private(set) var second: Int
    public private(set) var value: String

    public init(now: Int = DateCache.currentSecond()) {
        second = now
        value = DateCache.format(epochSeconds: now)
    }

    /// Reformats only when the second changed; returns whether it did.
    @discardableResult
    public mutating func refresh(now: Int = DateCache.currentSecond()) -> Bool {
        guard now != second else { return false }
        second = now
        value = DateCache.format(epochSeconds: now)
        return true
    }

    public static func currentSecond() -> Int { Int(time(nil)) }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for a Unix time, without locale or time zone lookups.
    public static func format(epochSeconds: Int) -> String {
        var t = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
