/// Articles and comments as a viewer sees them: with the author's profile, whether the viewer
/// follows the author and favorited the article, the favorites count and the tags. Each call is
/// one statement: one round trip and one snapshot (a page and its total always agree), whatever
/// the page size.
public protocol ArticleViewsRepository: Sendable {
    /// One page, newest first, and the number of matches before paging. A page's articles
    /// carry no body (`body` is empty): lists never show it.
    func page(_ filter: ArticleFilter, page: Page, viewerID: Int64?) async throws(RepositoryError) -> (articles: [ArticleView], total: Int)
    /// The article with this slug, nil when there is none.
    func article(slug: String, viewerID: Int64?) async throws(RepositoryError) -> ArticleView?
    /// The comments on the article with this slug, oldest first; nil when there is no such article.
    func comments(slug: String, viewerID: Int64?) async throws(RepositoryError) -> [CommentView]?
}
