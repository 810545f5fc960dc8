import HTTPKernel

/// `/api/articles...` and `/api/tags`: articles, the feed, favorites, comments and tags.
struct ArticlesController {
    let articles: ArticlesService
    let authentication: Authentication

    func register(on router: inout Router) {
        router.get("/api/articles") { request in
            let viewer = try await authentication.optional(request)
            let page = try Self.page(request)
            let filter = ArticleFilter(tag: request.query["tag"], author: request.query["author"], favoritedBy: request.query["favorited"])
            return .json(Self.encode(list: try await articles.list(filter, page: page, viewer: viewer)))
        }
        router.get("/api/articles/feed") { request in
            let viewer = try await authentication.required(request)
            return .json(Self.encode(list: try await articles.feed(page: try Self.page(request), viewer: viewer)))
        }
        router.post("/api/articles") { request in
            let viewer = try await authentication.required(request)
            var fields = try JSONBody.envelope(request, key: "article")
            let title = fields.required("title", max: FieldLimits.title)
            let description = fields.required("description", max: FieldLimits.description, kind: .multiline)
            let body = fields.required("body", max: FieldLimits.articleBody, kind: .multiline)
            let tags = fields.stringList("tagList", maxItems: FieldLimits.tagsPerArticle, maxLength: FieldLimits.tag)
            fields.refuseNull("tagList")
            try fields.check()
            let created = try await articles.create(title: title!, description: description!, body: body!, tagList: tags ?? [], author: viewer)
            return .json(Self.encode(created), status: 201)
        }
        router.get("/api/articles/:slug") { request in
            let viewer = try await authentication.optional(request)
            return .json(Self.encode(try await articles.get(slug: try Self.slug(request), viewer: viewer)))
        }
        router.put("/api/articles/:slug") { request in
            let viewer = try await authentication.required(request)
            var fields = try JSONBody.envelope(request, key: "article")
            var changes = ArticlesService.Changes()
            changes.title = fields.optional("title", max: FieldLimits.title)
            changes.description = fields.optional("description", max: FieldLimits.description, kind: .multiline)
            changes.body = fields.optional("body", max: FieldLimits.articleBody, kind: .multiline)
            changes.tagList = fields.stringList("tagList", maxItems: FieldLimits.tagsPerArticle, maxLength: FieldLimits.tag)
            fields.refuseNull("tagList")
            try fields.check()
            return .json(Self.encode(try await articles.update(slug: try Self.slug(request), changes: changes, viewer: viewer)))
        }
        router.delete("/api/articles/:slug") { request in
            let viewer = try await authentication.required(request)
            try await articles.delete(slug: try Self.slug(request), viewer: viewer)
            return .empty()
        }
        router.post("/api/articles/:slug/favorite") { request in
            let viewer = try await authentication.required(request)
            return .json(Self.encode(try await articles.favorite(slug: try Self.slug(request), viewer: viewer)))
        }
        router.delete("/api/articles/:slug/favorite") { request in
            let viewer = try await authentication.required(request)
            return .json(Self.encode(try await articles.unfavorite(slug: try Self.slug(request), viewer: viewer)))
        }
        router.get("/api/articles/:slug/comments") { request in
            let viewer = try await authentication.optional(request)
            let list = try await articles.comments(slug: try Self.slug(request), viewer: viewer)
            var json = JSONWriter()
            json.raw("{\"comments\":")
            json.array(list) { json, comment in Self.write(comment, to: &json) }
            json.raw("}")
            return .json(json.bytes)
        }
        router.post("/api/articles/:slug/comments") { request in
            let viewer = try await authentication.required(request)
            var fields = try JSONBody.envelope(request, key: "comment")
            let body = fields.required("body", max: FieldLimits.commentBody, kind: .multiline)
            try fields.check()
            let comment = try await articles.addComment(slug: try Self.slug(request), body: body!, viewer: viewer)
            var json = JSONWriter()
            json.raw("{\"comment\":")
            Self.write(comment, to: &json)
            json.raw("}")
            return .json(json.bytes, status: 201)
        }
        router.delete("/api/articles/:slug/comments/:id") { request in
            let viewer = try await authentication.required(request)
            guard let id = request.parameter("id").flatMap({ Int64($0) }), id > 0 else { throw AppError.notFound("comment") }
            try await articles.deleteComment(slug: try Self.slug(request), id: id, viewer: viewer)
            return .empty()
        }
        router.get("/api/tags") { _ in
            let tags = try await articles.tags()
            var json = JSONWriter()
            json.raw("{\"tags\":")
            json.array(tags) { json, tag in json.string(tag) }
            json.raw("}")
            return .json(json.bytes)
        }
    }

    // MARK: Input

    /// `limit` 1...100 (default 20, larger values capped), `offset` ≥ 0 (default 0).
    static func page(_ request: HTTPRequest) throws(AppError) -> Page {
        var errors: [String: [String]] = [:]
        var page = Page()
        if let text = request.query["limit"] {
            if let limit = Int(text), limit >= 1 { page.limit = min(limit, FieldLimits.pageLimit) } else { errors["limit"] = ["must be a whole number of at least 1"] }
        }
        if let text = request.query["offset"] {
            if let offset = Int(text), offset >= 0 { page.offset = offset } else { errors["offset"] = ["must be a whole number of at least 0"] }
        }
        guard errors.isEmpty else { throw .validation(errors) }
        return page
    }

    /// A slug longer than any we make cannot exist: 404 without a query.
    static func slug(_ request: HTTPRequest) throws(AppError) -> String {
        guard let slug = request.parameter("slug"), slug.count <= FieldLimits.slug else { throw .notFound("article") }
        return slug
    }

    // MARK: Output

    static func encode(_ view: ArticleView) -> [UInt8] {
        var json = JSONWriter(capacity: 256 + view.article.body.utf8.count)
        json.raw("{\"article\":")
        write(view, includeBody: true, to: &json)
        json.raw("}")
        return json.bytes
    }

    static func encode(list: (articles: [ArticleView], total: Int)) -> [UInt8] {
        // Lists leave `body` out: a page of twenty full bodies is what nobody asked for.
        var json = JSONWriter(capacity: 64 + 400 * list.articles.count)
        json.raw("{\"articles\":")
        json.array(list.articles) { json, view in write(view, includeBody: false, to: &json) }
        json.raw(",\"articlesCount\":")
        json.integer(list.total)
        json.raw("}")
        return json.bytes
    }

    static func write(_ view: ArticleView, includeBody: Bool, to json: inout JSONWriter) {
        let article = view.article
        json.raw("{\"slug\":")
        json.string(article.slug)
        json.raw(",\"title\":")
        json.string(article.title)
        json.raw(",\"description\":")
        json.string(article.description)
        if includeBody {
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
        ProfilesController.write(view.author, to: &json)
        json.raw("}")
    }

    static func write(_ view: CommentView, to json: inout JSONWriter) {
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
        ProfilesController.write(view.author, to: &json)
        json.raw("}")
    }
}

import Foundation
