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
