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
        #expect(try await sessions.find("a", now: now)?.userID == jake.id)
        #expect(try await sessions.find("b", now: now)?.userID == anna.id)
        #expect(try await sessions.find("expired", now: now + 1)?.userID == nil, "expired at its time")
        #expect(try await sessions.find("nobody", now: now)?.userID == nil)

        // Logging in again removes the expired one and keeps the newest three.
        for (index, id) in ["c", "d", "e"].enumerated() {
            try await sessions.create(id: id, userID: jake.id, expiresAt: now + 200 + Int64(index), now: now + 10, keepingAtMost: 3)
        }
        var live: [String] = []
        for id in ["a", "expired", "c", "d", "e"] where try await sessions.find(id, now: now + 10) != nil { live.append(id) }
        #expect(live == ["c", "d", "e"])
        #expect(try await sessions.find("b", now: now + 10)?.userID == anna.id, "another user's sessions are untouched")

        try await sessions.delete(id: "c", userID: anna.id)
        #expect(try await sessions.find("c", now: now + 10)?.userID == jake.id, "only its own user ends a session")
        try await sessions.delete(id: "c", userID: jake.id)
        #expect(try await sessions.find("c", now: now + 10)?.userID == nil)
        // A password change: every other session of jake's ends, the caller's (d) soon.
        try await sessions.create(id: "f", userID: jake.id, expiresAt: now + 300, now: now + 10, keepingAtMost: 3)
        try await sessions.deleteAll(userID: jake.id, except: "d", keptUntil: now + 15)
        #expect(try await sessions.find("e", now: now + 10) == nil)
        #expect(try await sessions.find("f", now: now + 10) == nil)
        #expect(try await sessions.find("d", now: now + 10)?.expiresAt == now + 15)
        #expect(try await sessions.find("d", now: now + 15) == nil)
        #expect(try await sessions.find("b", now: now + 10)?.userID == anna.id)
        try await sessions.deleteAll(userID: jake.id)
        #expect(try await sessions.find("d", now: now + 10)?.userID == nil)
        #expect(try await sessions.find("e", now: now + 10)?.userID == nil)
        #expect(try await sessions.deleteExpired(now: now + 1000) == 1, "anna's, once expired")
    }
}
