/// `POST /api/articles`: `{"article":{"title","description","body","tagList"?}}`.
struct NewArticleRequest: RequestBody {
    static let envelope = "article"
    let title: String
    let description: String
    let body: String
    let tagList: [String]

    init?(validating fields: inout Fields) {
        let title = fields.required("title", max: FieldLimits.title)
        let description = fields.required("description", max: FieldLimits.description, kind: .multiline)
        let body = fields.required("body", max: FieldLimits.articleBody, kind: .multiline)
        let tags = fields.stringList("tagList", maxItems: FieldLimits.tagsPerArticle, maxLength: FieldLimits.tag)
        guard let title, let description, let body else { return nil }
        (self.title, self.description, self.body, tagList) = (title, description, body, tags ?? [])
    }
}

/// `PUT /api/articles/:slug`: any of title, description, body, tagList (absent: unchanged).
struct UpdateArticleRequest: RequestBody {
    static let envelope = "article"
    let changes: ArticlesService.Changes

    init?(validating fields: inout Fields) {
        var changes = ArticlesService.Changes()
        changes.title = fields.optional("title", max: FieldLimits.title)
        changes.description = fields.optional("description", max: FieldLimits.description, kind: .multiline)
        changes.body = fields.optional("body", max: FieldLimits.articleBody, kind: .multiline)
        changes.tagList = fields.stringList("tagList", maxItems: FieldLimits.tagsPerArticle, maxLength: FieldLimits.tag)
        self.changes = changes
    }
}

/// `POST /api/articles/:slug/comments`: `{"comment":{"body"}}`.
struct NewCommentRequest: RequestBody {
    static let envelope = "comment"
    let body: String

    init?(validating fields: inout Fields) {
        guard let body = fields.required("body", max: FieldLimits.commentBody, kind: .multiline) else { return nil }
        self.body = body
    }
}
