import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Observes SIGTERM and SIGINT from the moment it is created, so that a signal arriving before
/// anyone waits (during start-up, or between "listening" and the wait) is kept for the waiter
/// instead of killing the process.
///
/// The handler is installed with `sigaction` before `init` returns (a dispatch signal source
/// registers later, on its own queue, and a signal in between is lost) and only writes the
/// signal's number to a pipe, which is async-signal-safe; a thread of its own reads the pipe.
/// A real handler also makes the signals work for PID 1 in a container, where the kernel drops
/// signals left at their default action. Later signals (a second SIGTERM while draining) are
/// absorbed by the handler.
public final class TerminationSignals: Sendable {
    /// Starts observing SIGTERM and SIGINT (for the whole process, once).
    public init() {
        _ = Self.installed
    }

    /// Returns the first termination signal received since the process installed the handler,
    /// at once if it has already arrived.
    public func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                ThreadName.setCurrent("signals")
                continuation.resume(returning: Self.readSignal())
            }
            thread.start()
        }
    }

    private static let installed: Void = {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("cannot create the termination signal pipe: errno \(errno)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }  // not inherited by children
        // The handler must never block, whatever the number of signals.
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        signalPipeReadEnd = ends[0]
        signalPipeWriteEnd = ends[1]
        for number in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = recordTerminationSignal
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }()

    /// Blocks until the pipe holds a signal's number.
    private static func readSignal() -> Int32 {
        var byte: UInt8 = 0
        while true {
            let count = read(signalPipeReadEnd, &byte, 1)
            if count == 1 { return Int32(byte) }
            if count < 0, errno == EINTR { continue }
            fatalError("cannot read the termination signal pipe: errno \(errno)")
        }
    }
}

// Set once before the handler is installed; the handler only reads it.
nonisolated(unsafe) private var signalPipeReadEnd: Int32 = -1
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The signal handler: one async-signal-safe `write`, errno left as it was.
private func recordTerminationSignal(_ number: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = savedErrno
}
