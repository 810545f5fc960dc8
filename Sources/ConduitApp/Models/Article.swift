/// A stored article with its tags, in the order they were given.
public struct Article: Sendable, Equatable {
    public var id: Int64
    public var slug: String
    public var title: String
    public var description: String
    public var body: String
    public var authorID: Int64
    public var tagList: [String]
    public var createdAt: String
    public var updatedAt: String
}

/// An article as a viewer sees it.
public struct ArticleView: Sendable, Equatable {
    public var article: Article
    public var author: Profile
    public var favorited: Bool
    public var favoritesCount: Int
}

/// A comment with its author as the viewer sees them.
public struct CommentView: Sendable, Equatable {
    public var comment: Comment
    public var author: Profile
}

/// Which articles a list wants; every set field narrows it.
public struct ArticleFilter: Sendable, Equatable {
    public var tag: String?
    public var author: String?
    /// Articles favorited by this username.
    public var favoritedBy: String?
    /// Articles by the authors this user follows (the feed).
    public var feedOf: Int64?

    public init(tag: String? = nil, author: String? = nil, favoritedBy: String? = nil, feedOf: Int64? = nil) {
        self.tag = tag
        self.author = author
        self.favoritedBy = favoritedBy
        self.feedOf = feedOf
    }
}

/// `limit` and `offset` of a list, already validated.
public struct Page: Sendable, Equatable {
    public var limit: Int
    public var offset: Int
    public init(limit: Int = 20, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }
}

/// A comment on an article.
public struct Comment: Sendable, Equatable {
    public var id: Int64
    public var articleID: Int64
    public var authorID: Int64
    public var body: String
    public var createdAt: String
    public var updatedAt: String
}
