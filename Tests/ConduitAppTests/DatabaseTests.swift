import CSQLite3
import Foundation
import Logging
import SQLKit
import Synchronization
import Testing

@testable import ConduitApp

@Suite("SQLite store and migrations")
struct DatabaseTests {
    let logger = Logger(label: "test")

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("db-\(UUID().uuidString)/conduit.sqlite").path
    }

    @Test("migrations create the schema once; a second run applies nothing")
    func migrationsAreIdempotent() async throws {
        let store = try await SQLiteStore.open(path: temporaryPath(), logger: logger)
        #expect(try await Migrator().run(on: store, logger: logger) == Schema.migrations.map(\.version))
        #expect(try await Migrator().run(on: store, logger: logger) == [])
        #expect(try await Migrator().appliedVersions(on: store.sql(logger: logger)) == Schema.migrations.map(\.version))
        await store.close()
    }

    @Test("every lookup the API makes has an index")
    func indexes() async throws {
        let store = try await SQLiteStore.open(path: temporaryPath(), logger: logger)
        try await Migrator().run(on: store, logger: logger)
        let names = try await store.sql(logger: logger).raw("SELECT name FROM sqlite_master WHERE type = 'index'").all()
            .map { try $0.decode(column: "name", as: String.self) }
        for index in ["follows_by_followee", "articles_by_created", "articles_by_author", "article_tags_by_tag_newest",
                      "favorites_by_article", "comments_by_article"] {
            #expect(names.contains(index), "missing \(index)")
        }
        // UNIQUE constraints index users.username, users.email, articles.slug and tags.name.
        #expect(names.filter { $0.hasPrefix("sqlite_autoindex_users") }.count == 2)
        #expect(names.contains { $0.hasPrefix("sqlite_autoindex_articles") })
        #expect(names.contains { $0.hasPrefix("sqlite_autoindex_tags") })
        await store.close()
    }

    @Test("WAL mode and foreign keys are on")
    func settings() async throws {
        let store = try await SQLiteStore.open(path: temporaryPath(), logger: logger)
        #expect(try await store.current(.journalMode) == "wal")
        #expect(try await store.current(.foreignKeys) == "1")
        try await Migrator().run(on: store, logger: logger)
        await #expect(throws: (any Error).self) {
            try await store.write { try await $0.raw("INSERT INTO follows (follower_id, followee_id) VALUES (1, 2)").run() }
        }
        await store.close()
    }

    @Test("SQLite keeps no memory statistics: its allocations take no process-wide lock")
    func noMemoryStatistics() async throws {
        let store = try await SQLiteStore.open(path: temporaryPath(), readers: 2, logger: logger)
        try await Migrator().run(on: store, logger: logger)
        _ = try await store.read { try await store.reader.raw("SELECT COUNT(*) FROM articles").all() }
        #expect(SQLiteConnectionHandle.memoryStatisticsOff)
        // With statistics on, the open connections and their caches count here.
        #expect(sqlite3_memory_used() == 0)
        await store.close()
    }

    @Test("usernames and emails are unique regardless of case")
    func uniqueness() async throws {
        let store = try await SQLiteStore.open(path: temporaryPath(), logger: logger)
        try await Migrator().run(on: store, logger: logger)
        let now = "2026-11-24T00:00:00.000Z"
        // Writes go through the writer, as the repositories' do.
        try await store.write { database in try await database.raw("""
            INSERT INTO users (username, email, password_hash, created_at, updated_at)
            VALUES (\(bind: "Jake"), \(bind: "jake@example.com"), \(bind: "x"), \(bind: now), \(bind: now))
            """).run() }
        await #expect(throws: (any Error).self) {
            try await store.write { database in try await database.raw("""
                INSERT INTO users (username, email, password_hash, created_at, updated_at)
                VALUES (\(bind: "jake"), \(bind: "other@example.com"), \(bind: "x"), \(bind: now), \(bind: now))
                """).run() }
        }
        await #expect(throws: (any Error).self) {
            try await store.write { database in try await database.raw("""
                INSERT INTO users (username, email, password_hash, created_at, updated_at)
                VALUES (\(bind: "other"), \(bind: "JAKE@example.com"), \(bind: "x"), \(bind: now), \(bind: now))
                """).run() }
        }
        await store.close()
    }

    @Test("a read never waits behind a reader busy with a slow unit while another reader is free")
    func readsGoAroundABusyReader() async throws {
        let store = try await SQLiteStore.open(path: temporaryPath(), readers: 2, logger: logger)
        let (started, markStarted) = AsyncStream<Void>.makeStream()
        let (release, releaseSlowUnit) = AsyncStream<Void>.makeStream()
        // A unit that holds its reader until told: a slow page, as far as the store can tell.
        let slow = Task {
            try await store.read {
                markStarted.yield()
                for await _ in release { break }
            }
        }
        for await _ in started { break }
        let finished = Atomic<Int>(0)
        let reads = Task {
            for _ in 0..<10 {
                try await store.read { try await store.sql(logger: logger).raw("SELECT 1").run() }
                finished.add(1, ordering: .relaxed)
            }
        }
        // Taking readers in turn, every other read queued behind the slow unit, for good.
        let deadline = ContinuousClock.now + .seconds(10)
        while finished.load(ordering: .relaxed) < 10, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(finished.load(ordering: .relaxed) == 10)
        releaseSlowUnit.yield()
        try await slow.value
        try await reads.value
        await store.close()
    }

    @Test("reads queued while every reader thread is busy go to the first one free, not behind a stalled one")
    func readsQueueForTheFirstFreeReader() async throws {
        let store = try await SQLiteStore.open(path: temporaryPath(), readers: 2, logger: logger)
        let stalledStarted = Atomic<Bool>(false)
        let releaseStalled = Atomic<Bool>(false)
        // A unit that blocks its thread, as a thread the kernel preempted would: it does not
        // suspend, so nothing else can run on that thread until it returns.
        let stalled = Task {
            try await store.read {
                stalledStarted.store(true, ordering: .releasing)
                while !releaseStalled.load(ordering: .acquiring) { usleep(1_000) }
            }
        }
        while !stalledStarted.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(1)) }
        // Many reads at once, each briefly blocking the other thread too: with a queue per
        // thread, those sent to the stalled thread waited for it (every unit sees both
        // threads busy, so the choice between them was a coin toss).
        let finished = FinishedCount()
        let logger = logger
        let reads = (0..<20).map { _ in
            Task {
                try await store.read {
                    usleep(2_000)
                    try await store.sql(logger: logger).raw("SELECT 1").run()
                }
                finished.count.add(1, ordering: .relaxed)
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while finished.count.load(ordering: .relaxed) < 20, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(finished.count.load(ordering: .relaxed) == 20)
        releaseStalled.store(true, ordering: .releasing)
        try await stalled.value
        for read in reads { try await read.value }
        await store.close()
    }

    @Test("transactions from concurrent tasks never interleave; a failing one rolls back")
    func transactions() async throws {
        let store = try await SQLiteStore.open(path: temporaryPath(), logger: logger)
        try await store.write { database in try await database.raw("CREATE TABLE counter (n INTEGER NOT NULL UNIQUE)").run() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await store.transaction { database in
                        let next = try await database.raw("SELECT COALESCE(MAX(n), 0) + 1 AS next FROM counter").first()!
                            .decode(column: "next", as: Int.self)
                        try await Task.sleep(for: .milliseconds(1))  // invite interleaving
                        try await database.raw("INSERT INTO counter (n) VALUES (\(bind: next))").run()
                    }
                }
            }
            try await group.waitForAll()
        }
        await #expect(throws: (any Error).self) {
            try await store.transaction { database in
                try await database.raw("INSERT INTO counter (n) VALUES (100)").run()
                try await database.raw("INSERT INTO counter (n) VALUES (1)").run()  // duplicate: fails
            }
        }
        let values = try await store.sql(logger: logger).raw("SELECT n FROM counter ORDER BY n").all()
            .map { try $0.decode(column: "n", as: Int.self) }
        #expect(values == Array(1...20))
        await store.close()
    }

    @Test("DATABASE_URL forms", arguments: [
        ("sqlite:data/conduit.sqlite", DatabaseLocation.sqlite(path: "data/conduit.sqlite")),
        ("sqlite:///var/lib/conduit.sqlite", DatabaseLocation.sqlite(path: "/var/lib/conduit.sqlite")),
        ("postgres://u:p@db:5432/conduit", DatabaseLocation.postgres(url: "postgres://u:p@db:5432/conduit")),
    ])
    func locations(_ url: String, _ expected: DatabaseLocation) throws {
        #expect(try DatabaseLocation(url: url) == expected)
    }
}

/// Units finished, shared with the tasks that count them.
private final class FinishedCount: Sendable {
    let count = Atomic<Int>(0)
}
