import Foundation
import Logging
import Testing

@testable import ConduitApp

@Suite("SQL sessions repository")
struct SQLSessionsRepositoryTests {
    @Test("sessions live until they expire or are deleted; a user keeps at most the newest few", arguments: TestStores.engines)
    func lifecycle(engine: String) async throws {
        let logger = Logger(label: "test")
        let store = try await TestStores.open(engine, logger: logger)
        defer { Task { await store.close() } }
        let users = SQLUsersRepository(store: store)
        let jake = try await users.create(username: "jake", email: "jake@example.com", passwordHash: "h", at: Timestamp.now())
        let anna = try await users.create(username: "anna", email: "anna@example.com", passwordHash: "h", at: Timestamp.now())
        let sessions = SQLSessionsRepository(store: store)
        let now: Int64 = 1_800_000_000

        try await sessions.create(id: "a", userID: jake.id, expiresAt: now + 100, now: now, keepingAtMost: 3)
        try await sessions.create(id: "expired", userID: jake.id, expiresAt: now + 1, now: now, keepingAtMost: 3)
        try await sessions.create(id: "b", userID: anna.id, expiresAt: now + 100, now: now, keepingAtMost: 3)
        #expect(try await sessions.owner(of: "a", now: now) == jake.id)
        #expect(try await sessions.owner(of: "b", now: now) == anna.id)
        #expect(try await sessions.owner(of: "expired", now: now + 1) == nil, "expired at its time")
        #expect(try await sessions.owner(of: "nobody", now: now) == nil)

        // Logging in again removes the expired one and keeps the newest three.
        for (index, id) in ["c", "d", "e"].enumerated() {
            try await sessions.create(id: id, userID: jake.id, expiresAt: now + 200 + Int64(index), now: now + 10, keepingAtMost: 3)
        }
        var live: [String] = []
        for id in ["a", "expired", "c", "d", "e"] where try await sessions.owner(of: id, now: now + 10) != nil { live.append(id) }
        #expect(live == ["c", "d", "e"])
        #expect(try await sessions.owner(of: "b", now: now + 10) == anna.id, "another user's sessions are untouched")

        try await sessions.delete(id: "c", userID: anna.id)
        #expect(try await sessions.owner(of: "c", now: now + 10) == jake.id, "only its own user ends a session")
        try await sessions.delete(id: "c", userID: jake.id)
        #expect(try await sessions.owner(of: "c", now: now + 10) == nil)
        try await sessions.deleteAll(userID: jake.id)
        #expect(try await sessions.owner(of: "d", now: now + 10) == nil)
        #expect(try await sessions.owner(of: "e", now: now + 10) == nil)
        #expect(try await sessions.deleteExpired(now: now + 1000) == 1, "anna's, once expired")
    }
}
