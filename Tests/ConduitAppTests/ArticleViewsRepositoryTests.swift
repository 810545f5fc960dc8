import Foundation
import HTTPTestSupport
import Logging
import Testing

@testable import ConduitApp

/// What a viewer sees, read in one statement, on both engines: the same answers from SQLite's
/// text-joined tags and PostgreSQL's arrays, from integers and booleans.
@Suite("Article views")
struct ArticleViewsRepositoryTests {
    static var engines: [String] { TestStores.engines }
    let logger = Logger(label: "test")

    func openStore(_ engine: String, migrations: [Migration] = Schema.migrations) async throws -> any DatabaseStore {
        try await TestStores.open(engine, migrations: migrations, logger: logger)
    }

    /// Every total a list can show, read from the counters and counted, for every tag, author,
    /// favoriter and feed; and each list's articles and favorites counts, read from the indexes
    /// and counters, against sorting and counting the matches.
    func expectTotalsAgree(_ store: any DatabaseStore, _ users: [User], _ tags: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let views = SQLArticleViewsRepository(store: store)
        var filters = [ArticleFilter()]
        filters += tags.map { ArticleFilter(tag: $0) }
        filters += users.map { ArticleFilter(author: $0.username) } + users.map { ArticleFilter(favoritedBy: $0.username) }
        filters += users.map { ArticleFilter(feedOf: $0.id) }
        for filter in filters {
            let counted = try await store.reader.raw(
                "SELECT COUNT(*) AS n FROM articles a\(SQLArticleViewsRepository.conditions(filter))").first()!.decode(column: "n", as: Int.self)
            let shown = try await views.page(filter, page: Page(limit: 1, offset: 0), viewerID: nil).total
            let pastTheEnd = try await views.page(filter, page: Page(limit: 1, offset: 1000), viewerID: nil).total
            #expect(shown == counted && pastTheEnd == counted, "\(filter)", sourceLocation: sourceLocation)
            let expected = try await store.reader.raw("""
                SELECT a.slug, (SELECT COUNT(*) FROM favorites f WHERE f.article_id = a.id) AS n
                FROM articles a\(SQLArticleViewsRepository.conditions(filter)) ORDER BY a.created_at DESC, a.id DESC
                """).all().map { "\(try $0.decode(column: "slug", as: String.self)) \(try $0.decode(column: "n", as: Int.self))" }
            let listed = try await views.page(filter, page: Page(limit: 1000, offset: 0), viewerID: nil).articles
                .map { "\($0.article.slug) \($0.favoritesCount)" }
            #expect(listed == expected, "\(filter)", sourceLocation: sourceLocation)
        }
    }

    @Test("list totals from counters agree with counting after creations, retags, deletions, favorites and follows", arguments: engines)
    func countersStayExact(engine: String) async throws {
        let store = try await openStore(engine)
        let usersRepository = SQLUsersRepository(store: store)
        let articles = SQLArticlesRepository(store: store)
        let favorites = SQLFavoritesRepository(store: store)
        let follows = SQLFollowsRepository(store: store)
        var users: [User] = []
        for index in 0..<4 { users.append(try await usersRepository.create(username: "u\(index)", email: "u\(index)@x.yz", passwordHash: "h", at: "t")) }
        let tags = ["a", "b", "c", "d"]
        var random = SeededGenerator(state: 12)
        var live: [Article] = []
        var tagsOf: [String: [String]] = [:]  // by slug, in the author's order
        for step in 0..<120 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                let author = users.randomElement(using: &random)!
                let articleTags = Array(tags.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random)))
                live.append(try await articles.create(
                    slug: "s\(step)", title: "t", description: "d", body: "b", authorID: author.id,
                    tags: articleTags, at: "2026-11-30T00:00:00.\(100 + step)Z"))
                tagsOf["s\(step)"] = articleTags
            case 4 where !live.isEmpty:
                let article = live.randomElement(using: &random)!
                // Half the updates leave the tags alone (a PUT without tagList).
                let newTags = Bool.random(using: &random) ? Array(tags.shuffled(using: &random).prefix(2)) : nil
                _ = try await articles.update(article, tags: newTags)
                if let newTags { tagsOf[article.slug] = newTags }
            case 5 where !live.isEmpty:
                let index = Int.random(in: 0..<live.count, using: &random)
                try await articles.delete(id: live.remove(at: index).id)
            case 6, 7:
                guard let article = live.randomElement(using: &random) else { continue }
                try await favorites.favorite(userID: users.randomElement(using: &random)!.id, articleID: article.id)
            case 8:
                guard let article = live.randomElement(using: &random) else { continue }
                try await favorites.unfavorite(userID: users.randomElement(using: &random)!.id, articleID: article.id)
            default:
                let (follower, followee) = (users.randomElement(using: &random)!, users.randomElement(using: &random)!)
                if Bool.random(using: &random) { try await follows.follow(follower: follower.id, followee: followee.id) }
                else { try await follows.unfollow(follower: follower.id, followee: followee.id) }
            }
        }
        #expect(live.count > 10)
        try await expectTotalsAgree(store, users, tags)
        // Each article's own tag list agrees with what its author last gave.
        let shown = try await SQLArticleViewsRepository(store: store).page(ArticleFilter(), page: Page(limit: 200, offset: 0), viewerID: nil)
        #expect(shown.articles.count == live.count)
        for view in shown.articles { #expect(view.article.tagList == tagsOf[view.article.slug], "\(view.article.slug)") }
        await store.close()
    }

    @Test("the counters' and tag lists' migrations fill in what a database already holds", arguments: engines)
    func countersMigrationBackfills(engine: String) async throws {
        let store = try await openStore(engine, migrations: Array(Schema.migrations.prefix(1)))
        let usersRepository = SQLUsersRepository(store: store)
        let ann = try await usersRepository.create(username: "ann", email: "ann@x.yz", passwordHash: "h", at: "t")
        let bob = try await usersRepository.create(username: "bob", email: "bob@x.yz", passwordHash: "h", at: "t")
        // Schema version 1 has no counters: rows as a version-1 server wrote them.
        try await store.transaction { database in
            for index in 0..<3 {
                let id = try await database.raw("""
                    INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at)
                    VALUES (\(bind: "s\(index)"), 't', 'd', 'b', \(bind: ann.id), \(bind: "2026-11-2\(index)"), 't') RETURNING id
                    """).first()!.decode(column: "id", as: Int64.self)
                let tags: [String] = index == 0 ? ["x"] : ["x", "y"]
                for (position, tag) in tags.enumerated() {
                    try await database.raw("INSERT INTO tags (name) VALUES (\(bind: tag)) ON CONFLICT (name) DO NOTHING").run()
                    try await database.raw("""
                        INSERT INTO article_tags (article_id, tag_id, position) SELECT \(bind: id), id, \(bind: position) FROM tags WHERE name = \(bind: tag)
                        """).run()
                }
                try await database.raw("INSERT INTO favorites (user_id, article_id) VALUES (\(bind: bob.id), \(bind: id))").run()
            }
            try await database.raw("INSERT INTO follows (follower_id, followee_id) VALUES (\(bind: bob.id), \(bind: ann.id))").run()
        }
        #expect(try await Migrator().run(on: store, logger: logger) == Array(Schema.migrations.map(\.version).dropFirst()))
        try await expectTotalsAgree(store, [ann, bob], ["x", "y"])
        let tagged = try await SQLArticleViewsRepository(store: store).page(ArticleFilter(tag: "y"), page: Page(), viewerID: nil)
        // The links got their articles' creation times: newest first.
        #expect(tagged.total == 2 && tagged.articles.map(\.article.slug) == ["s2", "s1"])
        // Version 3 gave each article its tag list, in the author's order, from the links.
        let all = try await SQLArticleViewsRepository(store: store).page(ArticleFilter(), page: Page(), viewerID: nil)
        #expect(all.articles.map(\.article.tagList) == [["x", "y"], ["x", "y"], ["x"]])
        await store.close()
    }

    @Test("pages: filters, newest first, the total before paging, past the last page, per viewer", arguments: engines)
    func pages(engine: String) async throws {
        let store = try await openStore(engine)
        let users = SQLUsersRepository(store: store)
        let articles = SQLArticlesRepository(store: store)
        let views = SQLArticleViewsRepository(store: store)
        let ann = try await users.create(username: "ann", email: "ann@x.yz", passwordHash: "h", at: "t")
        let bob = try await users.create(username: "bob", email: "bob@x.yz", passwordHash: "h", at: "t")
        var bobWithBio = bob
        bobWithBio.bio = "Bob's bio"
        _ = try await users.update(bobWithBio)
        let reader = try await users.create(username: "reader", email: "r@x.yz", passwordHash: "h", at: "t")
        var stored: [Article] = []
        for index in 0..<5 {
            let author = index.isMultiple(of: 2) ? ann : bob
            // Tags in the author's order, one with a comma and a space in it.
            let tags = index == 3 ? [] : ["z\(index)", "common", "a, b"]
            stored.append(try await articles.create(
                slug: "s\(index)", title: "T\(index)", description: "d\n\td", body: "b", authorID: author.id, tags: tags,
                at: "2026-11-29T00:00:0\(index).000Z"))
        }
        try await SQLFavoritesRepository(store: store).favorite(userID: reader.id, articleID: stored[1].id)
        try await SQLFavoritesRepository(store: store).favorite(userID: ann.id, articleID: stored[1].id)
        try await SQLFollowsRepository(store: store).follow(follower: reader.id, followee: bob.id)

        let all = try await views.page(ArticleFilter(), page: Page(limit: 2, offset: 0), viewerID: reader.id)
        #expect(all.total == 5 && all.articles.map(\.article.slug) == ["s4", "s3"])
        #expect(all.articles[1].article.tagList == [] && all.articles[0].article.tagList == ["z4", "common", "a, b"])
        #expect(all.articles[1].author == Profile(username: "bob", bio: "Bob's bio", image: nil, following: true))
        #expect(all.articles[0].author.following == false)

        let second = try await views.page(ArticleFilter(), page: Page(limit: 2, offset: 2), viewerID: reader.id)
        #expect(second.articles.map(\.article.slug) == ["s2", "s1"])
        let liked = second.articles[1]
        #expect(liked.favorited && liked.favoritesCount == 2 && liked.article.description == "d\n\td")
        let anonymous = try await views.page(ArticleFilter(), page: Page(limit: 2, offset: 2), viewerID: nil)
        #expect(!anonymous.articles[1].favorited && anonymous.articles[1].favoritesCount == 2 && !anonymous.articles[1].author.following)

        let past = try await views.page(ArticleFilter(), page: Page(limit: 2, offset: 10), viewerID: nil)
        #expect(past.articles.isEmpty && past.total == 5)
        let none = try await views.page(ArticleFilter(tag: "missing"), page: Page(limit: 2, offset: 0), viewerID: nil)
        #expect(none.articles.isEmpty && none.total == 0)

        let tagged = try await views.page(ArticleFilter(tag: "a, b"), page: Page(limit: 10, offset: 0), viewerID: nil)
        #expect(tagged.total == 4 && tagged.articles.map(\.article.slug) == ["s4", "s2", "s1", "s0"])
        let byBob = try await views.page(ArticleFilter(author: "bob"), page: Page(limit: 10, offset: 0), viewerID: nil)
        #expect(byBob.total == 2 && byBob.articles.map(\.article.slug) == ["s3", "s1"])
        let favorites = try await views.page(ArticleFilter(favoritedBy: "ann"), page: Page(limit: 10, offset: 0), viewerID: nil)
        #expect(favorites.total == 1 && favorites.articles.map(\.article.slug) == ["s1"])
        let feed = try await views.page(ArticleFilter(feedOf: reader.id), page: Page(limit: 1, offset: 1), viewerID: reader.id)
        #expect(feed.total == 2 && feed.articles.map(\.article.slug) == ["s1"])
        let combined = try await views.page(ArticleFilter(tag: "z1", author: "bob", favoritedBy: "reader"), page: Page(), viewerID: nil)
        #expect(combined.total == 1 && combined.articles.map(\.article.slug) == ["s1"])

        // The article alone is the listed one with its body, which lists leave out.
        #expect(liked.article.body.isEmpty)
        var likedWithBody = liked
        likedWithBody.article.body = "b"
        #expect(try await views.article(slug: "s1", viewerID: reader.id) == likedWithBody)
        #expect(try await views.article(slug: "nope", viewerID: reader.id) == nil)
        await store.close()
    }

    @Test("a feed's pages are its followed authors' articles newest first, whatever their activity, ties included", arguments: engines)
    func feedPages(engine: String) async throws {
        let store = try await openStore(engine)
        let users = SQLUsersRepository(store: store)
        let articles = SQLArticlesRepository(store: store)
        let views = SQLArticleViewsRepository(store: store)
        let reader = try await users.create(username: "reader", email: "r@x.yz", passwordHash: "h", at: "t")
        var authors: [User] = []
        for index in 0..<5 {
            authors.append(try await users.create(username: "author\(index)", email: "a\(index)@x.yz", passwordHash: "h", at: "t"))
        }
        // A busy author, two who stopped long ago, one who writes in bursts of equal times, and
        // one the reader does not follow; articles share times within and across authors.
        let plan: [(author: Int, seconds: [Int])] = [
            (0, Array(10..<40)), (1, [1, 2]), (2, [3]), (3, [20, 20, 20, 35, 35, 39]), (4, Array(5..<45)),
        ]
        var expected: [Article] = []
        var slug = 0
        for (author, seconds) in plan {
            for second in seconds {
                slug += 1
                let article = try await articles.create(
                    slug: "f\(slug)", title: "T", description: "d", body: "b", authorID: authors[author].id, tags: [],
                    at: "2026-11-29T00:00:\(String(second).leftPadded(to: 2)).000Z")
                if author != 4 { expected.append(article) }
            }
        }
        for author in authors.prefix(4) { try await SQLFollowsRepository(store: store).follow(follower: reader.id, followee: author.id) }
        expected.sort { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        for (limit, offset) in [(1, 0), (3, 2), (5, 7), (20, 0), (7, 25), (2, expected.count - 1), (10, expected.count), (3, Int.max - 1)] {
            let feed = try await views.page(ArticleFilter(feedOf: reader.id), page: Page(limit: limit, offset: offset), viewerID: reader.id)
            let wanted = offset >= expected.count ? [] : Array(expected[offset..<min(expected.count, offset + limit)])
            #expect(feed.total == expected.count, "limit \(limit) offset \(offset)")
            #expect(feed.articles.map(\.article.slug) == wanted.map(\.slug), "limit \(limit) offset \(offset)")
            #expect(feed.articles.allSatisfy { $0.author.following })
        }
        let nobody = try await users.create(username: "nobody", email: "n@x.yz", passwordHash: "h", at: "t")
        let empty = try await views.page(ArticleFilter(feedOf: nobody.id), page: Page(limit: 10, offset: 0), viewerID: nobody.id)
        #expect(empty.articles.isEmpty && empty.total == 0)
        await store.close()
    }

    @Test("comments: nil for a missing article, empty without comments, oldest first with their authors", arguments: engines)
    func comments(engine: String) async throws {
        let store = try await openStore(engine)
        let users = SQLUsersRepository(store: store)
        let views = SQLArticleViewsRepository(store: store)
        let comments = SQLCommentsRepository(store: store)
        let ann = try await users.create(username: "ann", email: "ann@x.yz", passwordHash: "h", at: "t")
        let bob = try await users.create(username: "bob", email: "bob@x.yz", passwordHash: "h", at: "t")
        _ = try await SQLArticlesRepository(store: store).create(
            slug: "s", title: "T", description: "d", body: "b", authorID: ann.id, tags: [], at: "t")
        #expect(try await views.comments(slug: "missing", viewerID: nil) == nil)
        #expect(try await views.comments(slug: "s", viewerID: nil) == [])
        let first = try #require(try await comments.create(onArticle: "s", authorID: bob.id, body: "one\ntwo", at: "2026-11-29T00:00:01.000Z"))
        let second = try #require(try await comments.create(onArticle: "s", authorID: ann.id, body: "three", at: "2026-11-29T00:00:02.000Z"))
        #expect(try await comments.create(onArticle: "missing", authorID: ann.id, body: "lost", at: "2026-11-29T00:00:03.000Z") == nil)
        try await SQLFollowsRepository(store: store).follow(follower: ann.id, followee: bob.id)
        let seen = try await views.comments(slug: "s", viewerID: ann.id)
        #expect(seen?.map(\.comment) == [first, second])
        #expect(seen?.map(\.author.username) == ["bob", "ann"] && seen?.map(\.author.following) == [true, false])
        #expect(try await views.comments(slug: "s", viewerID: nil)?.map(\.author.following) == [false, false])
        await store.close()
    }

    @Test("SQLite: an article many favorited, and a page of a user's many old favorites, cost what the quietest do")
    func favoritesCostDoesNotGrow() async throws {
        let store = try #require(try await TestStores.open("sqlite", logger: logger) as? SQLiteStore)
        let users = SQLUsersRepository(store: store)
        let articles = SQLArticlesRepository(store: store)
        let favorites = SQLFavoritesRepository(store: store)
        let views = SQLArticleViewsRepository(store: store)
        let author = try await users.create(username: "author", email: "a@x.yz", passwordHash: "h", at: "t")
        var stored: [Article] = []  // oldest first
        for index in 0..<300 {
            stored.append(try await articles.create(
                slug: "s\(index)", title: "T", description: "d", body: "b", authorID: author.id, tags: ["t"],
                at: "2026-11-30T00:00:00.\(String(index).leftPadded(to: 3))Z"))
        }
        let recent = try await users.create(username: "recent", email: "r@x.yz", passwordHash: "h", at: "t")
        let old = try await users.create(username: "old", email: "o@x.yz", passwordHash: "h", at: "t")
        let collector = try await users.create(username: "collector", email: "c@x.yz", passwordHash: "h", at: "t")
        for article in stored.suffix(10) { try await favorites.favorite(userID: recent.id, articleID: article.id) }
        for article in stored.prefix(10) { try await favorites.favorite(userID: old.id, articleID: article.id) }
        for article in stored.prefix(250) { try await favorites.favorite(userID: collector.id, articleID: article.id) }
        for index in 0..<200 {
            let fan = try await users.create(username: "fan\(index)", email: "f\(index)@x.yz", passwordHash: "h", at: "t")
            try await favorites.favorite(userID: fan.id, articleID: stored[5].id)
        }

        func measured<T>(_ read: () async throws -> T) async throws -> (T, steps: Int) {
            let before = store.virtualMachineSteps
            let result = try await read()
            return (result, store.virtualMachineSteps - before)
        }
        let quietArticle = try await measured { try await views.article(slug: "s299", viewerID: nil) }.steps
        let (popular, popularArticle) = try await measured { try await views.article(slug: "s5", viewerID: nil) }
        #expect(popular?.favoritesCount == 202)
        let recentPage = try await measured {
            try await views.page(ArticleFilter(favoritedBy: "recent"), page: Page(limit: 10, offset: 0), viewerID: nil)
        }.steps
        let (oldFavorites, oldPage) = try await measured {
            try await views.page(ArticleFilter(favoritedBy: "old"), page: Page(limit: 10, offset: 0), viewerID: nil)
        }
        #expect(oldFavorites.total == 10 && oldFavorites.articles.map(\.article.slug) == (0..<10).reversed().map { "s\($0)" })
        let (collected, collectorPage) = try await measured {
            try await views.page(ArticleFilter(favoritedBy: "collector"), page: Page(limit: 10, offset: 0), viewerID: nil)
        }
        #expect(collected.total == 250 && collected.articles.map(\.article.slug) == (240..<250).reversed().map { "s\($0)" })
        // Counting the favorites per view, the popular article (202 favorites) took 668 steps to
        // the quiet one's 64; sorting all of a user's favorites, a page of the collector's 250
        // took 5,881 (the old user's ten 1,711) to the ten newest favorites' 1,080.
        #expect(popularArticle <= quietArticle + 20, "quiet \(quietArticle), popular \(popularArticle)")
        #expect(oldPage <= recentPage + 50 && collectorPage <= recentPage + 50, "recent \(recentPage), old \(oldPage), collector \(collectorPage)")
        await store.close()
    }

    @Test("SQLite's joined tags split back into the author's tags, whatever their characters")
    func joinedTagsSplit() {
        let tags = ["swift", "e\u{301}te\u{301}", "日本語", "👩‍💻", "a b", "x"]
        #expect(TagListColumn.split(tags.joined(separator: "\u{1F}")) == tags)
        #expect(TagListColumn.split("") == [])
        #expect(TagListColumn.split("\u{1F}solo\u{1F}") == ["solo"])
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
