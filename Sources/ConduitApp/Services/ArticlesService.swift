/// Articles, the feed, favorites, tags and comments. Views are assembled for a whole page at
/// once: authors, follows, favorite counts and the viewer's favorites each cost one query,
/// whatever the number of articles.
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

    /// A comment with its author as the viewer sees them.
    public struct CommentView: Sendable, Equatable {
        public var comment: Comment
        public var author: Profile
    }

    let articles: any ArticlesRepository
    let favorites: any FavoritesRepository
    let comments: any CommentsRepository
    let users: any UsersRepository
    let follows: any FollowsRepository
    let clock: @Sendable () -> String

    public init(articles: any ArticlesRepository, favorites: any FavoritesRepository, comments: any CommentsRepository,
                users: any UsersRepository, follows: any FollowsRepository, clock: @escaping @Sendable () -> String = Timestamp.now) {
        self.articles = articles
        self.favorites = favorites
        self.comments = comments
        self.users = users
        self.follows = follows
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
            return try await views(of: [article], viewer: author)[0]
        }
        throw .unavailable(cause: "no free slug for the title after 3 attempts")
    }

    public func get(slug: String, viewer: User?) async throws(AppError) -> ArticleView {
        try await views(of: [try await find(slug)], viewer: viewer)[0]
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
        return try await views(of: [stored], viewer: viewer)[0]
    }

    public func delete(slug: String, viewer: User) async throws(AppError) {
        let article = try await owned(slug, by: viewer)
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await articles.delete(id: article.id) }
    }

    public func list(_ filter: ArticleFilter, page: Page, viewer: User?) async throws(AppError) -> (articles: [ArticleView], total: Int) {
        let result = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await articles.list(filter, page: page) }
        return (try await views(of: result.articles, viewer: viewer), result.total)
    }

    public func feed(page: Page, viewer: User) async throws(AppError) -> (articles: [ArticleView], total: Int) {
        try await list(ArticleFilter(feedOf: viewer.id), page: page, viewer: viewer)
    }

    public func favorite(slug: String, viewer: User) async throws(AppError) -> ArticleView {
        let article = try await find(slug)
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await favorites.favorite(userID: viewer.id, articleID: article.id) }
        return try await views(of: [article], viewer: viewer)[0]
    }

    public func unfavorite(slug: String, viewer: User) async throws(AppError) -> ArticleView {
        let article = try await find(slug)
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await favorites.unfavorite(userID: viewer.id, articleID: article.id) }
        return try await views(of: [article], viewer: viewer)[0]
    }

    public func tags() async throws(AppError) -> [String] {
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await articles.allTags() }
    }

    public func addComment(slug: String, body: String, viewer: User) async throws(AppError) -> CommentView {
        let article = try await find(slug)
        let comment = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in
            try await comments.create(articleID: article.id, authorID: viewer.id, body: body, at: clock())
        }
        return try await commentViews(of: [comment], viewer: viewer)[0]
    }

    public func comments(slug: String, viewer: User?) async throws(AppError) -> [CommentView] {
        let article = try await find(slug)
        let list = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await comments.list(articleID: article.id) }
        return try await commentViews(of: list, viewer: viewer)
    }

    public func deleteComment(slug: String, id: Int64, viewer: User) async throws(AppError) {
        let article = try await find(slug)
        let comment = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await comments.find(id: id) }
        guard let comment, comment.articleID == article.id else { throw .notFound("comment") }
        guard comment.authorID == viewer.id else { throw .forbidden("comment") }
        try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await comments.delete(id: id) }
    }

    // MARK: Assembling views without N+1

    func views(of list: [Article], viewer: User?) async throws(AppError) -> [ArticleView] {
        guard !list.isEmpty else { return [] }
        let ids = list.map(\.id)
        let authors = try await profiles(of: list.map(\.authorID), viewer: viewer)
        let counts = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await favorites.counts(for: ids) }
        var favorited = Set<Int64>()
        if let viewer {
            favorited = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await favorites.favorited(by: viewer.id, among: ids) }
        }
        return try list.map { article throws(AppError) in
            guard let author = authors[article.authorID] else { throw .unavailable(cause: "author \(article.authorID) of article \(article.id) not found") }
            return ArticleView(article: article, author: author, favorited: favorited.contains(article.id),
                               favoritesCount: counts[article.id] ?? 0)
        }
    }

    private func commentViews(of list: [Comment], viewer: User?) async throws(AppError) -> [CommentView] {
        let authors = try await profiles(of: list.map(\.authorID), viewer: viewer)
        return try list.map { comment throws(AppError) in
            guard let author = authors[comment.authorID] else { throw .unavailable(cause: "author \(comment.authorID) of comment \(comment.id) not found") }
            return CommentView(comment: comment, author: author)
        }
    }

    /// Profiles of several users in two queries: the users, and which of them the viewer follows.
    private func profiles(of ids: [Int64], viewer: User?) async throws(AppError) -> [Int64: Profile] {
        guard !ids.isEmpty else { return [:] }
        let found = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await users.find(ids: ids) }
        var following = Set<Int64>()
        if let viewer {
            following = try await repositoryCall(missing: "article") { () async throws(RepositoryError) in try await follows.followed(by: viewer.id, among: ids) }
        }
        return found.mapValues { user in
            Profile(username: user.username, bio: user.bio, image: user.image, following: following.contains(user.id))
        }
    }

    // MARK: Helpers

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
