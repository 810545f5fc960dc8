import CLibevent

/// Names the calling thread as `top -H`, `ps -L`, `perf` and /proc/PID/task/TID/comm show it.
///
/// Foundation's `Thread.name` does not reach the kernel on Linux, and a thread created from a
/// Swift task inherits its creator's name (libdispatch's "com.apple.root.default-qos"): every
/// loop and database thread looked the same to an operator. Linux keeps (and the kernel cuts
/// a longer name to) 15 bytes.
public enum ThreadName {
    /// The calling thread's name.
    public static var current: String {
        var bytes = [CChar](repeating: 0, count: 16)
        guard httpkernel_get_thread_name(&bytes) == 0 else { return "" }
        return bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public static func setCurrent(_ name: String) {
        _ = name.withCString { httpkernel_set_thread_name($0) }
    }
}
