import CLibevent

/// Names the calling thread as `top -H`, `ps -L`, `perf` and /proc/PID/task/TID/comm show it.
///
/// Foundation's `Thread.name` does not reach the kernel on Linux, and a thread created from a
/// Swift task inherits its creator's name (libdispatch's "com.apple.root.default-qos"): every
/// loop and database thread looked the same to an operator. Linux keeps 15 bytes of a name.
public enum ThreadName {
    public static let maximumBytes = 15

    /// The calling thread's name.
    public static var current: String {
        var bytes = [CChar](repeating: 0, count: maximumBytes + 1)
        guard httpkernel_get_thread_name(&bytes) == 0 else { return "" }
        return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func setCurrent(_ name: String) {
        let bytes = Array(name.utf8.prefix(maximumBytes)) + [0]
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = httpkernel_set_thread_name($0.baseAddress!) }
        }
    }
}
