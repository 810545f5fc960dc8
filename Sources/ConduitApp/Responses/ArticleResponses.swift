/// An article as the API shows it: with its body alone (schema `Article`), without it in
/// lists (schema `ListedArticle`: a page of twenty full bodies is what nobody asked for).
struct ArticleJSON: Encodable {
    let view: ArticleView
    let includesBody: Bool

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        let article = view.article
        try container.encode(article.slug, forKey: .slug)
        try container.encode(article.title, forKey: .title)
        try container.encode(article.description, forKey: .description)
        if includesBody { try container.encode(article.body, forKey: .body) }
        try container.encode(article.tagList, forKey: .tagList)
        try container.encode(article.createdAt, forKey: .createdAt)
        try container.encode(article.updatedAt, forKey: .updatedAt)
        try container.encode(view.favorited, forKey: .favorited)
        try container.encode(view.favoritesCount, forKey: .favoritesCount)
        try container.encode(ProfileJSON(view.author), forKey: .author)
    }

    func write(to json: inout JSONWriter) {
        let article = view.article
        json.raw("{\"slug\":")
        json.string(article.slug)
        json.raw(",\"title\":")
        json.string(article.title)
        json.raw(",\"description\":")
        json.string(article.description)
        if includesBody {
            json.raw(",\"body\":")
            json.string(article.body)
        }
        json.raw(",\"tagList\":")
        json.array(article.tagList) { json, tag in json.string(tag) }
        json.raw(",\"createdAt\":")
        json.string(article.createdAt)
        json.raw(",\"updatedAt\":")
        json.string(article.updatedAt)
        json.raw(",\"favorited\":")
        json.bool(view.favorited)
        json.raw(",\"favoritesCount\":")
        json.integer(view.favoritesCount)
        json.raw(",\"author\":")
        ProfileJSON(view.author).write(to: &json)
        json.raw("}")
    }
}

/// `{"article": {...}}`.
struct SingleArticleResponse: ResponseBody {
    static let schema = "SingleArticleResponse"
    let view: ArticleView
    var estimatedSize: Int { 256 + view.article.body.utf8.count }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(ArticleJSON(view: view, includesBody: true), forKey: .article)
    }

    func write(to json: inout JSONWriter) {
        json.raw("{\"article\":")
        ArticleJSON(view: view, includesBody: true).write(to: &json)
        json.raw("}")
    }
}

/// `{"articles": [...], "articlesCount": n}`: a page and the number of matches.
struct MultipleArticlesResponse: ResponseBody {
    static let schema = "MultipleArticlesResponse"
    let views: [ArticleView]
    let total: Int
    var estimatedSize: Int { 64 + 400 * views.count }

    init(_ page: (articles: [ArticleView], total: Int)) {
        views = page.articles
        total = page.total
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(views.map { ArticleJSON(view: $0, includesBody: false) }, forKey: .articles)
        try container.encode(total, forKey: .articlesCount)
    }

    func write(to json: inout JSONWriter) {
        json.raw("{\"articles\":")
        json.array(views) { json, view in ArticleJSON(view: view, includesBody: false).write(to: &json) }
        json.raw(",\"articlesCount\":")
        json.integer(total)
        json.raw("}")
    }
}

/// A comment with its author (schema `Comment`).
struct CommentJSON: Encodable {
    let view: CommentView

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(view.comment.id, forKey: .id)
        try container.encode(view.comment.createdAt, forKey: .createdAt)
        try container.encode(view.comment.updatedAt, forKey: .updatedAt)
        try container.encode(view.comment.body, forKey: .body)
        try container.encode(ProfileJSON(view.author), forKey: .author)
    }

    func write(to json: inout JSONWriter) {
        let comment = view.comment
        json.raw("{\"id\":")
        json.integer(comment.id)
        json.raw(",\"createdAt\":")
        json.string(comment.createdAt)
        json.raw(",\"updatedAt\":")
        json.string(comment.updatedAt)
        json.raw(",\"body\":")
        json.string(comment.body)
        json.raw(",\"author\":")
        ProfileJSON(view.author).write(to: &json)
        json.raw("}")
    }
}

/// `{"comment": {...}}`.
struct SingleCommentResponse: ResponseBody {
    static let schema = "SingleCommentResponse"
    let view: CommentView

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(CommentJSON(view: view), forKey: .comment)
    }

    func write(to json: inout JSONWriter) {
        json.raw("{\"comment\":")
        CommentJSON(view: view).write(to: &json)
        json.raw("}")
    }
}

/// `{"comments": [...]}`.
struct MultipleCommentsResponse: ResponseBody {
    static let schema = "MultipleCommentsResponse"
    let views: [CommentView]
    var estimatedSize: Int { 32 + 300 * views.count }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(views.map(CommentJSON.init(view:)), forKey: .comments)
    }

    func write(to json: inout JSONWriter) {
        json.raw("{\"comments\":")
        json.array(views) { json, view in CommentJSON(view: view).write(to: &json) }
        json.raw("}")
    }
}

/// `{"tags": [...]}`.
struct TagsResponse: ResponseBody {
    static let schema = "TagsResponse"
    let tags: [String]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ResponseKey.self)
        try container.encode(tags, forKey: .tags)
    }

    func write(to json: inout JSONWriter) {
        json.raw("{\"tags\":")
        json.array(tags) { json, tag in json.string(tag) }
        json.raw("}")
    }
}
