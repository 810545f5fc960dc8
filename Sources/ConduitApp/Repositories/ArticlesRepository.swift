/// Articles and their tags.
public protocol ArticlesRepository: Sendable {
    /// `.taken("slug")` when the slug is in use.
    func create(slug: String, title: String, description: String, body: String, authorID: Int64, tags: [String], at timestamp: String) async throws(RepositoryError) -> Article
    func find(slug: String) async throws(RepositoryError) -> Article?
    /// Writes every field; `tags` nil keeps the tags, `[]` removes them.
    func update(_ article: Article, tags: [String]?) async throws(RepositoryError) -> Article
    func delete(id: Int64) async throws(RepositoryError)
    /// Every tag that at least one article carries.
    func allTags() async throws(RepositoryError) -> [String]
}

/// Who favorited which article.
public protocol FavoritesRepository: Sendable {
    func favorite(userID: Int64, articleID: Int64) async throws(RepositoryError)
    func unfavorite(userID: Int64, articleID: Int64) async throws(RepositoryError)
}

/// Comments on articles.
public protocol CommentsRepository: Sendable {
    /// Adds a comment to the article with `slug`; nil when there is no such article.
    func create(onArticle slug: String, authorID: Int64, body: String, at timestamp: String) async throws(RepositoryError) -> Comment?
    func find(id: Int64) async throws(RepositoryError) -> Comment?
    func delete(id: Int64) async throws(RepositoryError)
}
