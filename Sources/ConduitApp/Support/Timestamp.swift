#if canImport(Glibc)
import Glibc
#endif

/// ISO-8601 UTC timestamps with milliseconds (`2026-11-24T10:15:30.123Z`), the API's format;
/// they also sort as text, which the schema's indexes rely on.
public enum Timestamp {
    public static func now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return format(seconds: now.tv_sec, milliseconds: Int(now.tv_nsec / 1_000_000))
    }

    /// Now, or one millisecond after `previous` if the clock has not moved past it: an update's
    /// `updatedAt` must differ from the value it replaces even within one millisecond.
    public static func later(than previous: String) -> String {
        let now = now()
        guard now <= previous, let (seconds, milliseconds) = parse(previous) else { return now }
        let next = seconds * 1000 + milliseconds + 1
        return format(seconds: next / 1000, milliseconds: next % 1000)
    }

    /// Seconds and milliseconds of a timestamp in this format.
    static func parse(_ text: String) -> (seconds: Int, milliseconds: Int)? {
        let digits = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count == 7 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(digits[0] - 1900)
        parts.tm_mon = Int32(digits[1] - 1)
        parts.tm_mday = Int32(digits[2])
        parts.tm_hour = Int32(digits[3])
        parts.tm_min = Int32(digits[4])
        parts.tm_sec = Int32(digits[5])
        return (timegm(&parts), digits[6])
    }

    public static func format(seconds: Int, milliseconds: Int) -> String {
        var time = seconds
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }
}
