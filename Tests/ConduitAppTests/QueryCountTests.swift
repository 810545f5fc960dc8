import Foundation
import HTTPTestSupport
import Logging
import NIOCore
import SQLKit
import Synchronization
import Testing

@testable import ConduitApp

/// Counts the statements a repository sends, to prove that a page costs a fixed number of
/// queries (no N+1) on the real SQL path.
final class CountingStore: SQLStore {
    let base: any DatabaseStore
    let count = Atomic<Int>(0)

    init(base: any DatabaseStore) { self.base = base }

    struct CountingDatabase: SQLDatabase {
        let base: any SQLDatabase
        let store: CountingStore
        var logger: Logger { base.logger }
        var eventLoop: any EventLoop { base.eventLoop }
        var dialect: any SQLDialect { base.dialect }
        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
            store.count.add(1, ordering: .relaxed)
            return base.execute(sql: query, onRow)
        }
        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
            store.count.add(1, ordering: .relaxed)
            try await base.execute(sql: query, onRow)
        }
    }

    var reader: any SQLDatabase { CountingDatabase(base: base.reader, store: self) }
    func read<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T { try await base.read(body) }
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await base.write { try await body(CountingDatabase(base: $0, store: self)) }
    }
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await base.transaction { try await body(CountingDatabase(base: $0, store: self)) }
    }
}

@Suite("Queries per request")
struct QueryCountTests {
    static var engines: [String] { TestStores.engines }

    @Test("a page of articles costs one statement, for 2 articles as for 20", arguments: engines)
    func noNPlusOne(engine: String) async throws {
        let logger = Logger(label: "test")
        let database = try await TestStores.open(engine, logger: logger)
        let store = CountingStore(base: database)
        let users = SQLUsersRepository(store: store)
        let service = ArticlesService(
            articles: SQLArticlesRepository(store: store), favorites: SQLFavoritesRepository(store: store),
            comments: SQLCommentsRepository(store: store), views: SQLArticleViewsRepository(store: store))
        let viewer = try await users.create(username: "viewer", email: "v@x.yz", passwordHash: "h", at: Timestamp.now())
        for index in 0..<20 {
            let author = try await users.create(username: "author\(index)", email: "a\(index)@x.yz", passwordHash: "h", at: Timestamp.now())
            _ = try await service.create(title: "T\(index)", description: "d", body: "b", tagList: ["a", "b"], author: author)
        }

        func queries(limit: Int) async throws -> Int {
            let before = store.count.load(ordering: .relaxed)
            let page = try await store.read { try await service.list(ArticleFilter(), page: Page(limit: limit), viewerID: viewer.id) }
            #expect(page.articles.count == limit)
            #expect(page.articles.allSatisfy { $0.article.tagList == ["a", "b"] })
            return store.count.load(ordering: .relaxed) - before
        }
        let small = try await queries(limit: 2)
        let large = try await queries(limit: 20)
        #expect(small == large, "2 articles: \(small) queries, 20 articles: \(large)")
        #expect(large == 1, "a page, its total, authors, follows, favorites and tags: one statement")
        await database.close()
    }
}
