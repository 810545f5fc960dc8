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

@Suite("Users service")
struct UsersServiceTests {
    static let pool = BlockingPool(threads: 2, name: "test-users")

    func makeService(cost: Int = 10, repository: InMemoryUsersRepository = InMemoryUsersRepository()) async -> UsersService {
        let ticks = Mutex(0)
        return UsersService(
            users: repository,
            hasher: PasswordHasher(parameters: .init(logN: cost), pool: Self.pool),
            tokens: await TokenService(secret: "k3Jx9q2LmV8pR4tY7wZ1aB5cD6eF0gH2iJ4kL8mN0o", lifetimeSeconds: 3600),
            clock: { ticks.withLock { $0 += 1; return Timestamp.format(seconds: 1_795_000_000 + $0, milliseconds: 0) } })
    }

    @Test("register stores a hash, not the password, and returns a token that authenticates")
    func register() async throws {
        let repository = InMemoryUsersRepository()
        let service = await makeService(repository: repository)
        let result = try await service.register(username: "jake", email: "jake@example.com", password: "jakejake")
        #expect(result.user.bio == nil && result.user.image == nil)
        #expect(!result.user.passwordHash.contains("jakejake"))
        #expect(try await service.authenticate(token: result.token) == result.user)
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
        let first = try await service.update(jake, with: .init(bio: .set("I work at statefarm"), image: .set("https://x.y/a.jpg")))
        #expect(first.user.bio == "I work at statefarm" && first.user.username == "jake")
        #expect(first.user.createdAt == jake.createdAt && first.user.updatedAt != jake.updatedAt)
        let second = try await service.update(first.user, with: .init(username: "jacob", bio: .set(""), image: .clear))
        #expect(second.user.username == "jacob" && second.user.bio == nil && second.user.image == nil)
        #expect(try await service.authenticate(token: second.token).username == "jacob")
        let third = try await service.update(second.user, with: .init(password: "new-password"))
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
