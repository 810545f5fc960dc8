import Synchronization
import Testing

@testable import ConduitApp

/// In-memory fakes with the same rules as the SQL repositories.
final class InMemoryArticles: ArticlesRepository, FavoritesRepository {
    private let state = Mutex<(articles: [Article], favorites: Set<[Int64]>, comments: [ConduitApp.Comment])>(([], [], []))

    func create(slug: String, title: String, description: String, body: String, authorID: Int64, tags: [String], at timestamp: String) async throws(RepositoryError) -> Article {
        try state.withLock { (state: inout (articles: [Article], favorites: Set<[Int64]>, comments: [ConduitApp.Comment])) throws(RepositoryError) -> Article in
            if state.articles.contains(where: { $0.slug == slug }) { throw .taken("slug") }
            let article = Article(id: Int64(state.articles.count + 1), slug: slug, title: title, description: description, body: body,
                                  authorID: authorID, tagList: tags, createdAt: timestamp, updatedAt: timestamp)
            state.articles.append(article)
            return article
        }
    }
    func find(slug: String) async throws(RepositoryError) -> Article? { state.withLock { $0.articles.first { $0.slug == slug } } }
    func update(_ article: Article, tags: [String]?) async throws(RepositoryError) -> Article {
        state.withLock { state in
            var stored = article
            if let tags { stored.tagList = tags } else { stored.tagList = state.articles.first { $0.id == article.id }?.tagList ?? [] }
            state.articles = state.articles.map { $0.id == article.id ? stored : $0 }
            return stored
        }
    }
    func delete(id: Int64) async throws(RepositoryError) { state.withLock { $0.articles.removeAll { $0.id == id } } }
    var all: (articles: [Article], favorites: Set<[Int64]>) { state.withLock { ($0.articles, $0.favorites) } }
    func allTags() async throws(RepositoryError) -> [String] { state.withLock { Array(Set($0.articles.flatMap(\.tagList))).sorted() } }

    func favorite(userID: Int64, articleID: Int64) async throws(RepositoryError) { _ = state.withLock { $0.favorites.insert([userID, articleID]) } }
    func unfavorite(userID: Int64, articleID: Int64) async throws(RepositoryError) { _ = state.withLock { $0.favorites.remove([userID, articleID]) } }

}

final class InMemoryComments: CommentsRepository {
    let articles: InMemoryArticles
    private let state = Mutex<(articles: [Article], favorites: Set<[Int64]>, comments: [ConduitApp.Comment])>(([], [], []))

    init(articles: InMemoryArticles) { self.articles = articles }

    func create(onArticle slug: String, authorID: Int64, body: String, at timestamp: String) async throws(RepositoryError) -> ConduitApp.Comment? {
        guard let article = try await articles.find(slug: slug) else { return nil }
        return state.withLock { state in
            let comment = ConduitApp.Comment(
                id: Int64(state.comments.count + 1), articleID: article.id, authorID: authorID, body: body, createdAt: timestamp, updatedAt: timestamp)
            state.comments.append(comment)
            return comment
        }
    }
    func find(id: Int64) async throws(RepositoryError) -> ConduitApp.Comment? { state.withLock { $0.comments.first { $0.id == id } } }
    var all: [ConduitApp.Comment] { state.withLock { $0.comments } }
    func delete(id: Int64) async throws(RepositoryError) { state.withLock { $0.comments.removeAll { $0.id == id } } }
}

/// Views over the fakes, with the SQL views' rules (filters by tag only).
struct InMemoryArticleViews: ArticleViewsRepository {
    let articles: InMemoryArticles
    let comments: InMemoryComments
    let users: InMemoryUsersRepository
    let follows: InMemoryFollowsRepository

    func view(_ article: Article, viewerID: Int64?) async throws(RepositoryError) -> ArticleView {
        let (_, favorites) = articles.all
        let author = try await users.find(id: article.authorID)!
        var following = Set<Int64>()
        if let viewerID { following = try await follows.followed(by: viewerID, among: [author.id]) }
        return ArticleView(
            article: article, author: Profile(username: author.username, bio: author.bio, image: author.image, following: following.contains(author.id)),
            favorited: viewerID.map { favorites.contains([$0, article.id]) } ?? false,
            favoritesCount: favorites.filter { $0[1] == article.id }.count)
    }

    func page(_ filter: ArticleFilter, page: Page, viewerID: Int64?) async throws(RepositoryError) -> (articles: [ArticleView], total: Int) {
        let matching = articles.all.articles.filter { filter.tag == nil || $0.tagList.contains(filter.tag!) }.reversed()
        var views: [ArticleView] = []
        for article in matching.dropFirst(page.offset).prefix(page.limit) { views.append(try await view(article, viewerID: viewerID)) }
        return (views, matching.count)
    }

    func article(slug: String, viewerID: Int64?) async throws(RepositoryError) -> ArticleView? {
        guard let article = try await articles.find(slug: slug) else { return nil }
        return try await view(article, viewerID: viewerID)
    }

    func comments(slug: String, viewerID: Int64?) async throws(RepositoryError) -> [CommentView]? {
        guard let article = try await articles.find(slug: slug) else { return nil }
        var views: [CommentView] = []
        for comment in comments.all where comment.articleID == article.id {
            let author = try await users.find(id: comment.authorID)!
            var following = Set<Int64>()
            if let viewerID { following = try await follows.followed(by: viewerID, among: [author.id]) }
            views.append(CommentView(comment: comment, author: Profile(
                username: author.username, bio: author.bio, image: author.image, following: following.contains(author.id))))
        }
        return views
    }
}

@Suite("Articles service")
struct ArticlesServiceTests {
    func setUp() async throws -> (ArticlesService, User, User) {
        let users = InMemoryUsersRepository()
        let store = InMemoryArticles()
        let comments = InMemoryComments(articles: store)
        let ticks = Mutex(0)
        let service = ArticlesService(
            articles: store, favorites: store, comments: comments,
            views: InMemoryArticleViews(articles: store, comments: comments, users: users, follows: InMemoryFollowsRepository()),
            clock: { ticks.withLock { $0 += 1; return Timestamp.format(seconds: 1_795_000_000 + $0, milliseconds: 0) } })
        let jake = try await users.create(username: "jake", email: "j@x.yz", passwordHash: "h", at: "t")
        let other = try await users.create(username: "other", email: "o@x.yz", passwordHash: "h", at: "t")
        return (service, jake, other)
    }

    @Test("tags keep their first order without duplicates; equal titles get different slugs")
    func create() async throws {
        let (service, jake, _) = try await setUp()
        let first = try await service.create(title: "Hello, World!", description: "d", body: "b", tagList: ["b", "a", "b"], author: jake)
        let second = try await service.create(title: "Hello, World!", description: "d", body: "b", tagList: [], author: jake)
        #expect(first.article.tagList == ["b", "a"])
        #expect(first.article.slug.hasPrefix("hello-world-") && first.article.slug != second.article.slug)
        #expect(first.author.username == "jake" && first.favoritesCount == 0)
    }

    @Test("only the author updates or deletes; a missing article is 404 before 403")
    func ownership() async throws {
        let (service, jake, other) = try await setUp()
        let view = try await service.create(title: "Mine", description: "d", body: "b", tagList: ["x"], author: jake)
        await #expect(throws: AppError.forbidden("article")) {
            try await service.update(slug: view.article.slug, changes: .init(body: "hacked"), viewer: other)
        }
        await #expect(throws: AppError.forbidden("article")) { try await service.delete(slug: view.article.slug, viewer: other) }
        await #expect(throws: AppError.notFound("article")) { try await service.delete(slug: "missing", viewer: other) }
        let updated = try await service.update(slug: view.article.slug, changes: .init(body: "new body"), viewer: jake)
        #expect(updated.article.slug == view.article.slug && updated.article.tagList == ["x"])
        #expect(updated.article.createdAt == view.article.createdAt && updated.article.updatedAt != view.article.updatedAt)
        let retitled = try await service.update(slug: view.article.slug, changes: .init(title: "New title", tagList: []), viewer: jake)
        #expect(retitled.article.slug.hasPrefix("new-title-") && retitled.article.tagList.isEmpty)
        try await service.delete(slug: retitled.article.slug, viewer: jake)
        await #expect(throws: AppError.notFound("article")) { try await service.get(slug: retitled.article.slug, viewerID: nil) }
    }

    @Test("favorites count per article and show for the viewer only")
    func favorites() async throws {
        let (service, jake, other) = try await setUp()
        let view = try await service.create(title: "Fav", description: "d", body: "b", tagList: [], author: jake)
        let liked = try await service.favorite(slug: view.article.slug, viewer: other)
        #expect(liked.favorited && liked.favoritesCount == 1)
        #expect(try await service.favorite(slug: view.article.slug, viewer: other).favoritesCount == 1)
        let anonymous = try await service.get(slug: view.article.slug, viewerID: nil)
        #expect(!anonymous.favorited && anonymous.favoritesCount == 1)
        #expect(try await service.unfavorite(slug: view.article.slug, viewer: other).favoritesCount == 0)
    }

    @Test("comments belong to their article and are deleted by their author only")
    func comments() async throws {
        let (service, jake, other) = try await setUp()
        let a = try await service.create(title: "A", description: "d", body: "b", tagList: [], author: jake)
        let b = try await service.create(title: "B", description: "d", body: "b", tagList: [], author: jake)
        let comment = try await service.addComment(slug: a.article.slug, body: "hi", viewer: other)
        #expect(comment.author.username == "other")
        await #expect(throws: AppError.notFound("article")) { try await service.addComment(slug: "missing", body: "hi", viewer: other) }
        await #expect(throws: AppError.notFound("comment")) { try await service.deleteComment(slug: b.article.slug, id: comment.comment.id, viewer: other) }
        await #expect(throws: AppError.forbidden("comment")) { try await service.deleteComment(slug: a.article.slug, id: comment.comment.id, viewer: jake) }
        try await service.deleteComment(slug: a.article.slug, id: comment.comment.id, viewer: other)
        #expect(try await service.comments(slug: a.article.slug, viewerID: nil).isEmpty)
    }
}

@Suite("Timestamps")
struct TimestampTests {
    @Test("format and parse round-trip, with milliseconds, in UTC")
    func roundTrip() {
        let text = Timestamp.format(seconds: 1_795_000_000, milliseconds: 7)
        #expect(text == "2026-11-18T11:06:40.007Z")
        #expect(Timestamp.parse(text)! == (1_795_000_000, 7))
    }

    @Test("an update within the same millisecond still moves updatedAt forward")
    func strictlyLater() {
        let future = "2999-12-31T23:59:59.999Z"
        #expect(Timestamp.later(than: future) == "3000-01-01T00:00:00.000Z")
        #expect(ArticlesService.later("2026-01-01T00:00:00.000Z", than: "2026-01-01T00:00:00.000Z") > "2026-01-01T00:00:00.000Z")
        #expect(ArticlesService.later(future, than: future) == "3000-01-01T00:00:00.000Z")
        #expect(ArticlesService.later("2026-01-01T00:00:00.002Z", than: "2026-01-01T00:00:00.000Z") == "2026-01-01T00:00:00.002Z")
    }
}
