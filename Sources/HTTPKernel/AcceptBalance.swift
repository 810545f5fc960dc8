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
/// the fewest is always listening (the 1 s tick looks again too). A loop that has not reported
/// for ``staleAfterSeconds`` (stalled by a handler that blocks it, which must not happen) no
/// longer counts: the others take the new connections instead of leaving them all to it.
final class AcceptBalance: Sendable {
    static let staleAfterSeconds = 3

    private struct Loop {
        var connections = 0
        /// When the loop last reported (monotonic seconds).
        var seen: Int
    }

    private let loops: Mutex<[Loop]>

    init(loops count: Int, now: Int) {
        loops = Mutex(Array(repeating: Loop(seen: now), count: max(1, count)))
    }

    /// Records `connections` as loop `index`'s count; whether that loop should listen.
    func update(loop index: Int, connections: Int, now: Int) -> Bool {
        loops.withLock { loops in
            loops[index] = Loop(connections: connections, seen: now)
            return Self.listens(index, loops, now: now)
        }
    }

    /// Whether loop `index` should listen, by the counts last reported; it is seen at `now`.
    func shouldListen(loop index: Int, now: Int) -> Bool {
        loops.withLock { loops in
            loops[index].seen = now
            return Self.listens(index, loops, now: now)
        }
    }

    /// No live loop has fewer connections than `index`.
    private static func listens(_ index: Int, _ loops: [Loop], now: Int) -> Bool {
        let mine = loops[index].connections
        return !loops.indices.contains { other in
            other != index && loops[other].connections < mine && now - loops[other].seen < staleAfterSeconds
        }
    }
}
