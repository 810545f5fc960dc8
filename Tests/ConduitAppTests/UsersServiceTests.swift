import Logging
import Foundation
import HTTPKernel
import Synchronization
import Testing

@testable import ConduitApp

/// An in-memory ``UsersRepository`` with the same uniqueness rules as the schema.
final class InMemoryUsersRepository: UsersRepository {
    private let rows = Mutex<[User]>([])

    func create(username: String, email: String, passwordHash: String, at timestamp: String) async throws(RepositoryError) -> User {
        try rows.withLock { (rows: inout [User]) throws(RepositoryError) -> User in
            if rows.contains(where: { $0.username.lowercased() == username.lowercased() }) { throw .taken("username") }
            if rows.contains(where: { $0.email.lowercased() == email.lowercased() }) { throw .taken("email") }
            let user = User(id: Int64(rows.count + 1), username: username, email: email, passwordHash: passwordHash,
                            bio: nil, image: nil, createdAt: timestamp, updatedAt: timestamp)
            rows.append(user)
            return user
        }
    }

    func find(id: Int64) async throws(RepositoryError) -> User? { rows.withLock { $0.first { $0.id == id } } }
    func find(email: String) async throws(RepositoryError) -> User? {
        rows.withLock { $0.first { $0.email.lowercased() == email.lowercased() } }
    }
    func find(username: String) async throws(RepositoryError) -> User? {
        rows.withLock { $0.first { $0.username.lowercased() == username.lowercased() } }
    }

    func update(_ user: User) async throws(RepositoryError) -> User {
        try rows.withLock { (rows: inout [User]) throws(RepositoryError) -> User in
            guard let index = rows.firstIndex(where: { $0.id == user.id }) else { throw .missing }
            if rows.contains(where: { $0.id != user.id && $0.username.lowercased() == user.username.lowercased() }) { throw .taken("username") }
            if rows.contains(where: { $0.id != user.id && $0.email.lowercased() == user.email.lowercased() }) { throw .taken("email") }
            rows[index] = user
            return user
        }
    }
}

/// An in-memory ``SessionsRepository``.
final class InMemorySessionsRepository: SessionsRepository {
    private let rows = Mutex<[String: (userID: Int64, expiresAt: Int64)]>([:])
    /// Reads that reached the repository (the cache's misses).
    let reads = Mutex(0)

    func create(id: String, userID: Int64, expiresAt: Int64, now: Int64, keepingAtMost: Int) async throws(RepositoryError) {
        rows.withLock { rows in
            rows = rows.filter { $0.value.userID != userID || $0.value.expiresAt > now }
            let newest = rows.filter { $0.value.userID == userID }.sorted { $0.value.expiresAt > $1.value.expiresAt }
            for (old, _) in newest.dropFirst(keepingAtMost - 1) { rows[old] = nil }
            rows[id] = (userID, expiresAt)
        }
    }

    func find(_ id: String, now: Int64) async throws(RepositoryError) -> (userID: Int64, expiresAt: Int64)? {
        reads.withLock { $0 += 1 }
        return rows.withLock { rows in rows[id].flatMap { $0.expiresAt > now ? $0 : nil } }
    }

    func delete(id: String, userID: Int64) async throws(RepositoryError) {
        rows.withLock { rows in if rows[id]?.userID == userID { rows[id] = nil } }
    }

    func deleteAll(userID: Int64) async throws(RepositoryError) {
        rows.withLock { rows in rows = rows.filter { $0.value.userID != userID } }
    }

    func deleteAll(userID: Int64, except id: String, keptUntil until: Int64) async throws(RepositoryError) {
        rows.withLock { rows in
            rows = rows.filter { $0.value.userID != userID || $0.key == id }
            if let kept = rows[id], kept.userID == userID { rows[id] = (userID, min(kept.expiresAt, until)) }
        }
    }

    func deleteExpired(now: Int64) async throws(RepositoryError) -> Int {
        rows.withLock { rows in
            let before = rows.count
            rows = rows.filter { $0.value.expiresAt > now }
            return before - rows.count
        }
    }
}

@Suite("Users service")
struct UsersServiceTests {
    static let pool = BlockingPool(threads: 2, name: "test-users")

    func makeService(
        cost: Int = 10, repository: InMemoryUsersRepository = InMemoryUsersRepository(),
        unixNow: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) async -> UsersService {
        let ticks = Mutex(0)
        return UsersService(
            users: repository,
            hasher: PasswordHasher(parameters: .init(logN: cost), pool: Self.pool),
            tokens: await TokenService(secret: "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o", lifetimeSeconds: 3600),
            sessions: Sessions(repository: InMemorySessionsRepository(), feed: nil, lifetimeSeconds: 3600, unixNow: unixNow),
            clock: { ticks.withLock { $0 += 1; return Timestamp.format(seconds: 1_795_000_000 + $0, milliseconds: 0) } })
    }

    @Test("register stores a hash, not the password, and returns a token that authenticates")
    func register() async throws {
        let repository = InMemoryUsersRepository()
        let service = await makeService(repository: repository)
        let result = try await service.register(username: "jake", email: "jake@example.com", password: "jakejake")
        #expect(result.user.bio == nil && result.user.image == nil)
        #expect(!result.user.passwordHash.contains("jakejake"))
        #expect(try await service.authenticate(token: result.token).user == result.user)
        await #expect(throws: AppError.taken("username")) {
            try await service.register(username: "JAKE", email: "other@example.com", password: "jakejake")
        }
        await #expect(throws: AppError.taken("email")) {
            try await service.register(username: "other", email: "Jake@Example.com", password: "jakejake")
        }
    }

    @Test("login fails the same way for an unknown email and a wrong password")
    func login() async throws {
        let service = await makeService()
        _ = try await service.register(username: "jake", email: "jake@example.com", password: "jakejake")
        #expect(try await service.login(email: "jake@example.com", password: "jakejake").user.username == "jake")
        await #expect(throws: AppError.invalidCredentials) { try await service.login(email: "jake@example.com", password: "wrong-password") }
        await #expect(throws: AppError.invalidCredentials) { try await service.login(email: "nobody@example.com", password: "jakejake") }
    }

    @Test("login upgrades a hash made at an older cost")
    func rehash() async throws {
        let repository = InMemoryUsersRepository()
        let old = await makeService(cost: 10, repository: repository)
        let registered = try await old.register(username: "jake", email: "jake@example.com", password: "jakejake")
        #expect(registered.user.passwordHash.hasPrefix("$scrypt$ln=10,"))
        let raised = await makeService(cost: 11, repository: repository)
        let loggedIn = try await raised.login(email: "jake@example.com", password: "jakejake")
        #expect(loggedIn.user.passwordHash.hasPrefix("$scrypt$ln=11,"))
        #expect(try await repository.find(id: registered.user.id)?.passwordHash.hasPrefix("$scrypt$ln=11,") == true)
    }

    @Test("update changes only what it is given; empty bio and image become null; createdAt stays")
    func update() async throws {
        let service = await makeService()
        let jake = try await service.register(username: "jake", email: "jake@example.com", password: "jakejake").user
        let jakeRegistered = try await service.login(email: "jake@example.com", password: "jakejake")
        let caller = try await service.caller(token: jakeRegistered.token)
        let first = try await service.update(jake, with: .init(bio: .set("I work at statefarm"), image: .set("https://x.y/a.jpg")), caller: caller)
        #expect(first.user.bio == "I work at statefarm" && first.user.username == "jake")
        #expect(first.user.createdAt == jake.createdAt && first.user.updatedAt != jake.updatedAt)
        let second = try await service.update(first.user, with: .init(username: "jacob", bio: .set(""), image: .clear), caller: caller)
        #expect(second.token == caller.token, "a change other than the password keeps the token")
        #expect(second.user.username == "jacob" && second.user.bio == nil && second.user.image == nil)
        #expect(try await service.authenticate(token: second.token).user.username == "jacob")
        let third = try await service.update(second.user, with: .init(password: "new-password"), caller: caller)
        #expect(try await service.login(email: "jake@example.com", password: "new-password").user.id == jake.id)
        #expect(third.user.email == "jake@example.com")
    }

    @Test("a token for a user that no longer exists, or a forged one, is invalid")
    func invalidTokens() async throws {
        let service = await makeService()
        let other = await makeService()  // another repository: user 1 exists there only
        let token = try await other.register(username: "ghost", email: "ghost@example.com", password: "ghostghost").token
        await #expect(throws: AppError.invalidToken) { try await service.authenticate(token: token) }
        await #expect(throws: AppError.invalidToken) { try await service.authenticate(token: "not-a-token") }
    }

    @Test("logout ends the token it was sent with; everywhere ends all; a password change every other, the caller's soon after")
    func sessionsEnd() async throws {
        let clock = Mutex(Int64(Date().timeIntervalSince1970))
        let service = await makeService(unixNow: { clock.withLock { $0 } })
        let registered = try await service.register(username: "jake", email: "jake@example.com", password: "jakejake")
        let laptop = try await service.login(email: "jake@example.com", password: "jakejake").token
        let phone = try await service.login(email: "jake@example.com", password: "jakejake").token
        try await service.logout(try await service.caller(token: laptop), everywhere: false)
        await #expect(throws: AppError.invalidToken) { try await service.caller(token: laptop) }
        #expect(try await service.caller(token: phone).userID == registered.user.id, "other sessions go on")

        let changed = try await service.update(registered.user, with: .init(password: "new-password"), caller: try await service.caller(token: phone))
        await #expect(throws: AppError.invalidToken) { try await service.caller(token: registered.token) }
        #expect(try await service.caller(token: phone).userID == registered.user.id, "the caller's own token, for a moment")
        clock.withLock { $0 += Sessions.rotationGraceSeconds }
        await #expect(throws: AppError.invalidToken) { try await service.caller(token: phone) }
        #expect(changed.token != phone)
        #expect(try await service.authenticate(token: changed.token).user.id == registered.user.id, "the caller gets a fresh token")

        let tablet = try await service.login(email: "jake@example.com", password: "new-password").token
        try await service.logout(try await service.caller(token: tablet), everywhere: true)
        for old in [tablet, changed.token] {
            await #expect(throws: AppError.invalidToken) { try await service.caller(token: old) }
        }
    }

    @Test("a live session is read once, then answered from memory; an ended one is never read again")
    func sessionCache() async throws {
        let repository = InMemorySessionsRepository()
        let sessions = Sessions(repository: repository, feed: nil, lifetimeSeconds: 3600)
        let session = try await sessions.start(userID: 1)
        for _ in 0..<5 { #expect(try await sessions.isLive(session.id, userID: 1)) }
        #expect(try await !sessions.isLive(session.id, userID: 2), "a session is one user's")
        #expect(repository.reads.withLock { $0 } == 2)
        try await sessions.end(session.id, userID: 1)
        for _ in 0..<5 { #expect(try await !sessions.isLive(session.id, userID: 1)) }
        #expect(repository.reads.withLock { $0 } == 2)
    }

    @Test("a message on the change feed ends a session cached as live; unsubscribed, nothing is believed")
    func sessionMessages() async throws {
        let repository = InMemorySessionsRepository()
        let feed = RecordingFeed()
        let sessions = Sessions(repository: repository, feed: feed, lifetimeSeconds: 3600)
        let session = try await sessions.start(userID: 1)
        #expect(try await sessions.isLive(session.id, userID: 1))
        #expect(try await sessions.isLive(session.id, userID: 1))
        #expect(repository.reads.withLock { $0 } == 2, "not subscribed: every check reads")
        sessions.subscribed(true)
        #expect(try await sessions.isLive(session.id, userID: 1))
        #expect(try await sessions.isLive(session.id, userID: 1))
        #expect(repository.reads.withLock { $0 } == 3, "subscribed: read once")
        // Another instance ended it: the row is gone and the message arrives.
        try await repository.delete(id: session.id, userID: 1)
        sessions.heard("session:\(session.id)")
        #expect(try await !sessions.isLive(session.id, userID: 1))
        let second = try await sessions.start(userID: 1)
        #expect(try await sessions.isLive(second.id, userID: 1))
        try await repository.deleteAll(userID: 1)
        sessions.heard("user:1")
        #expect(try await !sessions.isLive(second.id, userID: 1))
        try await sessions.endAll(userID: 1)
        #expect(feed.published.withLock { $0 } == ["user:1"])
    }
}

/// A change feed that records what is published.
final class RecordingFeed: ChangeFeed {
    let published = Mutex<[String]>([])
    func publish(_ message: String, on channel: String) async throws { published.withLock { $0.append(message) } }
    func follow(_ channel: String, subscribed: @escaping @Sendable (Bool) -> Void, received: @escaping @Sendable (String) -> Void) async {}
}

@Suite("SQL users repository")
struct SQLUsersRepositoryTests {
    @Test("create, find by each key, update, and unique violations name their field")
    func roundTrip() async throws {
        let logger = Logging.Logger(label: "test")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("users-\(UUID().uuidString)/db.sqlite").path
        let store = try await SQLiteStore.open(path: path, logger: logger)
        _ = try await store.write { database in try await Migrator().run(on: database, logger: logger) }
        let repository = SQLUsersRepository(store: store)
        let now = Timestamp.now()
        let jake = try await repository.create(username: "jake", email: "jake@example.com", passwordHash: "h", at: now)
        #expect(jake.id > 0 && jake.bio == nil && jake.createdAt == now)
        #expect(try await repository.find(id: jake.id) == jake)
        #expect(try await repository.find(email: "JAKE@example.com") == jake)
        #expect(try await repository.find(username: "Jake") == jake)
        #expect(try await repository.find(username: "nobody") == nil)
        await #expect(throws: RepositoryError.taken("username")) {
            try await repository.create(username: "JAKE", email: "x@example.com", passwordHash: "h", at: now)
        }
        await #expect(throws: RepositoryError.taken("email")) {
            try await repository.create(username: "x", email: "jake@EXAMPLE.com", passwordHash: "h", at: now)
        }
        var changed = jake
        changed.bio = "bio 'with' quotes; DROP TABLE users; --"
        #expect(try await repository.update(changed).bio == changed.bio)
        let other = try await repository.create(username: "other", email: "other@example.com", passwordHash: "h", at: now)
        var clash = other
        clash.username = "jake"
        await #expect(throws: RepositoryError.taken("username")) { try await repository.update(clash) }
        await store.close()
    }
}
