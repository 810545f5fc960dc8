/// Articles, the feed, favorites, tags and comments. What a viewer sees (an article with its
/// author, follow, favorites and tags; a comment with its author) comes from
/// ``ArticleViewsRepository`` in one statement per view or page, whatever its size.
public struct ArticlesService: Sendable {
    /// What `PUT /articles/:slug` may change; nil means "leave as is".
    public struct Changes: Sendable, Equatable {
        public var title: String?
        public var description: String?
        public var body: String?
        public var tagList: [String]?
        public init(title: String? = nil, description: String? = nil, body: String? = nil, tagList: [String]? = nil) {
            self.title = title
            self.description = description
            self.body = body
            self.tagList = tagList
        }
    }

    let articles: any ArticlesRepository
    let favorites: any FavoritesRepository
    let comments: any CommentsRepository
    let views: any ArticleViewsRepository
    let clock: @Sendable () -> String

    public init(articles: any ArticlesRepository, favorites: any FavoritesRepository, comments: any CommentsRepository,
                views: any ArticleViewsRepository, clock: @escaping @Sendable () -> String = Timestamp.now) {
        self.articles = articles
        self.favorites = favorites
        self.comments = comments
        self.views = views
        self.clock = clock
    }

    public func create(title: String, description: String, body: String, tagList: [String], author: User) async throws(AppError) -> ArticleView {
        let tags = Self.uniqueTags(tagList)
        let now = clock()
        // A random suffix keeps slugs unique for equal titles; a collision just tries again.
        for _ in 0..<3 {
            let article: Article
            do {
                article = try await articles.create(
                    slug: Slug.make(from: title), title: title, description: description, body: body,
                    authorID: author.id, tags: tags, at: now)
            } catch .taken("slug") {
                continue
            } catch {
                throw AppError(error, missing: "article")
            }
            // Nobody has favorited it yet, and nobody follows themselves.
            return ArticleView(article: article, author: Self.ownProfile(author), favorited: false, favoritesCount: 0)
        }
        throw .unavailable(cause: "no free slug for the title after 3 attempts")
    }

    public func get(slug: String, viewerID: Int64?) async throws(AppError) -> ArticleView {
        try await view(slug, viewerID: viewerID)
    }

    /// 404 before 403: whether the article exists is checked before whose it is.
    public func update(slug: String, changes: Changes, viewer: User) async throws(AppError) -> ArticleView {
        var article = try await owned(slug, by: viewer)
        if let title = changes.title, title != article.title {
            article.title = title
            article.slug = Slug.make(from: title)
        }
        if let description = changes.description { article.description = description }
        if let body = changes.body { article.body = body }
        article.updatedAt = Self.later(clock(), than: article.updatedAt)
        let stored = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in
            try await articles.update(article, tags: changes.tagList.map(Self.uniqueTags))
        }
        return try await view(stored.slug, viewerID: viewer.id)
    }

    public func delete(slug: String, viewer: User) async throws(AppError) {
        let article = try await owned(slug, by: viewer)
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await articles.delete(id: article.id) }
    }

    public func list(_ filter: ArticleFilter, page: Page, viewerID: Int64?) async throws(AppError) -> (articles: [ArticleView], total: Int) {
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in
            try await views.page(filter, page: page, viewerID: viewerID)
        }
    }

    public func feed(page: Page, viewerID: Int64) async throws(AppError) -> (articles: [ArticleView], total: Int) {
        try await list(ArticleFilter(feedOf: viewerID), page: page, viewerID: viewerID)
    }

    public func favorite(slug: String, viewer: User) async throws(AppError) -> ArticleView {
        let article = try await find(slug)
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await favorites.favorite(userID: viewer.id, articleID: article.id) }
        return try await view(article.slug, viewerID: viewer.id)
    }

    public func unfavorite(slug: String, viewer: User) async throws(AppError) -> ArticleView {
        let article = try await find(slug)
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await favorites.unfavorite(userID: viewer.id, articleID: article.id) }
        return try await view(article.slug, viewerID: viewer.id)
    }

    public func tags() async throws(AppError) -> [String] {
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await articles.allTags() }
    }

    public func addComment(slug: String, body: String, viewer: User) async throws(AppError) -> CommentView {
        let comment = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in
            try await comments.create(onArticle: slug, authorID: viewer.id, body: body, at: clock())
        }
        guard let comment else { throw .notFound("article") }
        return CommentView(comment: comment, author: Self.ownProfile(viewer))
    }

    public func comments(slug: String, viewerID: Int64?) async throws(AppError) -> [CommentView] {
        let list = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in
            try await views.comments(slug: slug, viewerID: viewerID)
        }
        guard let list else { throw .notFound("article") }
        return list
    }

    public func deleteComment(slug: String, id: Int64, viewer: User) async throws(AppError) {
        let article = try await find(slug)
        let comment = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await comments.find(id: id) }
        guard let comment, comment.articleID == article.id else { throw .notFound("comment") }
        guard comment.authorID == viewer.id else { throw .forbidden("comment") }
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await comments.delete(id: id) }
    }

    // MARK: Helpers

    private func view(_ slug: String, viewerID: Int64?) async throws(AppError) -> ArticleView {
        let view = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in
            try await views.article(slug: slug, viewerID: viewerID)
        }
        guard let view else { throw .notFound("article") }
        return view
    }

    /// A user's profile as they see it themselves: following yourself is never stored.
    static func ownProfile(_ user: User) -> Profile {
        Profile(username: user.username, bio: user.bio, image: user.image, following: false)
    }

    private func find(_ slug: String) async throws(AppError) -> Article {
        let article = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await articles.find(slug: slug) }
        guard let article else { throw .notFound("article") }
        return article
    }

    private func owned(_ slug: String, by viewer: User) async throws(AppError) -> Article {
        let article = try await find(slug)
        guard article.authorID == viewer.id else { throw .forbidden("article") }
        return article
    }

    /// `now`, unless it does not come after `previous` (same millisecond): then just after it.
    static func later(_ now: String, than previous: String) -> String {
        now > previous ? now : Timestamp.later(than: previous)
    }

    /// Tags keep their first-seen order; duplicates are dropped.
    static func uniqueTags(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.filter { seen.insert($0).inserted }
    }
}

/// URL-safe slugs: the title's letters and digits in lower case, dashes between words, and a
/// random suffix so that equal titles get different slugs.
enum Slug {
    static func make(from title: String) -> String {
        var words: [String] = []
        var current = ""
        for scalar in title.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        let base = words.joined(separator: "-").prefix(80)
        var generator = SystemRandomNumberGenerator()
        let suffix = String(UInt32.random(in: .min ... .max, using: &generator), radix: 36)
        return base.isEmpty ? suffix : "\(base)-\(suffix)"
    }
}
