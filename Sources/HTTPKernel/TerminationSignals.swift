import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Waits for SIGTERM or SIGINT. The signals' default action is replaced (ignored, then observed
/// through dispatch sources), which also makes them work for PID 1 in a container, where the
/// kernel drops signals that have no handler.
public enum TerminationSignals {
    /// Returns the first termination signal received.
    public static func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "conduit.signals")
            let once = OnceFlag()
            var sources: [any DispatchSourceSignal] = []
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    guard once.claim() else { return }
                    continuation.resume(returning: number)
                }
                source.resume()
                sources.append(source)
            }
            // The sources must outlive this call; they are process-wide and few.
            retained.append(contentsOf: sources)
        }
    }

    private final class OnceFlag: @unchecked Sendable {
        // @unchecked: only touched on the serial signal queue.
        private var done = false
        func claim() -> Bool {
            defer { done = true }
            return !done
        }
    }

    nonisolated(unsafe) private static var retained: [any DispatchSourceSignal] = []
}
