import Foundation
import Logging
import Synchronization

/// Which sessions are live: every token names one (its `sid`), every authenticated request asks
/// here, logout ends one and a password change all of a user's but a new one for the caller
/// (OWASP ASVS 3.3.1, 3.3.3).
///
/// The answer is cached per instance, so the hot path reads no row: a live session is believed
/// for ``revalidateAfter`` at most, an ended one never comes back (ids are random, never
/// reused). With several instances on PostgreSQL, an ending is published on the database's
/// change feed (LISTEN/NOTIFY) and every instance drops it from its cache as the message
/// arrives; while an instance is not subscribed (starting, or its listening connection lost)
/// it asks the database on every request, and it starts its cache over when it subscribes
/// again, since messages sent meanwhile are lost. A read that raced with a message is not
/// cached (``State/epoch``).
public final class Sessions: Sendable {
    static let channel = "conduit_sessions"
    /// How long a live session is believed without asking the database: the bound on an
    /// ending's reach should its message be lost (and on a session pushed out by the per-user
    /// cap, which sends none).
    static let revalidateAfter: Duration = .seconds(60)
    /// Live sessions kept per user; the oldest go first.
    static let maxPerUser = 64
    /// How long the caller's own token outlives a password change it made (the answer carries
    /// a token for a new session): requests the client already sent, or sends before it has
    /// stored the new token, still succeed. Every other session ends at once.
    static let rotationGraceSeconds: Int64 = 5

    private struct Live {
        let userID: Int64
        let expiresAt: Int64
        let checkedAt: ContinuousClock.Instant
    }

    private struct State {
        var live: [String: Live] = [:]
        var ended: Set<String> = []
        /// Moves at every ending heard of: a database read that began before one may be stale.
        var epoch: UInt64 = 0
        /// False while a change feed exists but is not subscribed: nothing live is believed.
        var trusted: Bool
    }

    let repository: any SessionsRepository
    let feed: (any ChangeFeed)?
    let lifetimeSeconds: Int
    let capacity: Int
    private let state: Mutex<State>
    private let logger: Logger
    /// Unix seconds (tests move it).
    private let unixNow: @Sendable () -> Int64

    public init(
        repository: any SessionsRepository, feed: (any ChangeFeed)?, lifetimeSeconds: Int, capacity: Int = 100_000,
        logger: Logger = Logger(label: "conduit"), unixNow: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.repository = repository
        self.feed = feed
        self.lifetimeSeconds = lifetimeSeconds
        self.capacity = capacity
        self.logger = logger
        self.unixNow = unixNow
        state = Mutex(State(trusted: feed == nil))
    }

    /// A new session for `userID`: its id and when it ends (the token's `exp`).
    public func start(userID: Int64, now: Date = Date()) async throws(RepositoryError) -> (id: String, expires: Date) {
        let id = Self.newID()
        let expires = now.addingTimeInterval(TimeInterval(lifetimeSeconds))
        try await repository.create(
            id: id, userID: userID, expiresAt: Int64(expires.timeIntervalSince1970), now: unixNow(),
            keepingAtMost: Self.maxPerUser)
        return (id, expires)
    }

    /// Whether session `id` is live and `userID`'s.
    public func isLive(_ id: String, userID: Int64) async throws(RepositoryError) -> Bool {
        let now = ContinuousClock.now
        let unixNow = unixNow()
        let (cached, epoch) = state.withLock { state -> (Bool?, UInt64) in
            if state.ended.contains(id) { return (false, state.epoch) }
            if state.trusted, let live = state.live[id], live.userID == userID, unixNow < live.expiresAt,
               now - live.checkedAt < Self.revalidateAfter {
                return (true, state.epoch)
            }
            return (nil, state.epoch)
        }
        if let cached { return cached }
        let found = try await repository.find(id, now: unixNow)
        let isLive = found?.userID == userID
        state.withLock { state in
            if let found, isLive {
                guard state.trusted, state.epoch == epoch else { return }
                if state.live.count >= capacity { state.live.removeAll(keepingCapacity: true) }
                state.live[id] = Live(userID: userID, expiresAt: found.expiresAt, checkedAt: now)
            } else if found == nil {
                remember(ended: id, in: &state)
            }
        }
        return isLive
    }

    /// Ends session `id` of `userID`, on every instance.
    public func end(_ id: String, userID: Int64) async throws(RepositoryError) {
        try await repository.delete(id: id, userID: userID)
        await announce("session:\(id)")
    }

    /// Ends every session of `userID`, on every instance.
    public func endAll(userID: Int64) async throws(RepositoryError) {
        try await repository.deleteAll(userID: userID)
        await announce("user:\(userID)")
    }

    /// Ends every session of `userID` but `id` (the caller's), on every instance, and `id`
    /// within ``rotationGraceSeconds``: what a password change does before it starts the
    /// caller's new session.
    public func endAll(userID: Int64, exceptForAMoment id: String) async throws(RepositoryError) {
        let until = unixNow() + Self.rotationGraceSeconds
        try await repository.deleteAll(userID: userID, except: id, keptUntil: until)
        // Every instance forgets the user's sessions and reads them again: the others are
        // gone, the caller's now ends soon.
        await announce("user:\(userID)")
    }

    /// An ending, told to this instance's cache at once and to the others through the feed.
    private func announce(_ message: String) async {
        heard(message)
        await publish(message)
    }

    /// The row is gone already: an instance that misses the message believes the session for
    /// ``revalidateAfter`` at most. Logged, not thrown: the caller's session did end.
    private func publish(_ message: String) async {
        guard let feed else { return }
        do {
            try await feed.publish(message, on: Self.channel)
        } catch {
            logger.warning("session ending not published", metadata: ["error": "\(String(describing: error).prefix(200))"])
        }
    }

    /// A message of the change feed (or this instance's own ending).
    func heard(_ message: String) {
        state.withLock { state in
            state.epoch &+= 1
            if message.hasPrefix("session:") {
                let id = String(message.dropFirst("session:".count))
                state.live[id] = nil
                remember(ended: id, in: &state)
            } else if message.hasPrefix("user:"), let userID = Int64(message.dropFirst("user:".count)) {
                state.live = state.live.filter { $0.value.userID != userID }
            }
        }
    }

    private func remember(ended id: String, in state: inout State) {
        if state.ended.count >= capacity { state.ended.removeAll(keepingCapacity: true) }
        state.ended.insert(id)
    }

    func subscribed(_ isSubscribed: Bool) {
        state.withLock { state in
            state.epoch &+= 1
            state.trusted = isSubscribed
            state.live.removeAll()
        }
    }

    /// Follows the change feed (when there is one) and removes expired sessions every
    /// `sweepEvery`, until the task is cancelled.
    public func run(sweepEvery: Duration = .seconds(600)) async {
        await withTaskGroup(of: Void.self) { group in
            if let feed {
                group.addTask {
                    await feed.follow(Self.channel, subscribed: { self.subscribed($0) }, received: { self.heard($0) })
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        let removed = try await self.repository.deleteExpired(now: self.unixNow())
                        if removed > 0 { self.logger.info("expired sessions removed", metadata: ["count": .stringConvertible(removed)]) }
                    } catch {
                        self.logger.warning("expired sessions not removed", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: sweepEvery)
                }
            }
        }
    }

    /// 128 random bits, base64url: a session id nobody can guess (it is not a credential on
    /// its own: a token must also be signed).
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
