import Synchronization

/// Which loops take new connections: those with the fewest open.
///
/// The loops share one listening socket (``ListeningSocket``), and a loop listens on it only
/// while no other loop has fewer connections. With a socket per loop (`SO_REUSEPORT`), the
/// kernel hashed each connection to a loop: 64 benchmark connections split 37/27 in one run,
/// and the eight keep-alive connections of a proxy in front can as easily split 6/2, leaving
/// one core doing most of the work while the other idles.
///
/// Each loop reports its own count (accepted, then closed) and applies the answer to its own
/// listener; a loop that stops listening asks the others to look again, so that the loop with
/// the fewest is always listening (the 1 s tick looks again too).
final class AcceptBalance: Sendable {
    private let counts: Mutex<[Int]>

    init(loops: Int) {
        counts = Mutex(Array(repeating: 0, count: max(1, loops)))
    }

    /// Records `connections` as loop `index`'s count; whether that loop should listen.
    func update(loop index: Int, connections: Int) -> Bool {
        counts.withLock { counts in
            counts[index] = connections
            return Self.listens(index, counts)
        }
    }

    /// Whether loop `index` should listen, by the counts last reported.
    func shouldListen(loop index: Int) -> Bool {
        counts.withLock { Self.listens(index, $0) }
    }

    private static func listens(_ index: Int, _ counts: [Int]) -> Bool {
        counts[index] <= counts.min()!
    }
}
