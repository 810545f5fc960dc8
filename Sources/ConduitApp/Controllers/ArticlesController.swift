import HTTPKernel

/// `/api/articles...` and `/api/tags`: articles, the feed, favorites, comments and tags.
/// Reads serve anonymous callers too; everything else requires one (``AuthenticationMiddleware``).
struct ArticlesController {
    let articles: ArticlesService
    let authentication: Authentication

    func register(on router: inout Router) {
        router.group([authentication.allowingViewer]) { router in
            router.get("/api/articles") { request in
                let filter = ArticleFilter(tag: request.query["tag"], author: request.query["author"], favoritedBy: request.query["favorited"])
                return .json(MultipleArticlesResponse(try await articles.list(filter, page: try Self.page(request), viewerID: request.viewerID)))
            }
            router.get("/api/articles/:slug") { request in
                .json(SingleArticleResponse(view: try await articles.get(slug: try Self.slug(request), viewerID: request.viewerID)))
            }
            router.get("/api/articles/:slug/comments") { request in
                .json(MultipleCommentsResponse(views: try await articles.comments(slug: try Self.slug(request), viewerID: request.viewerID)))
            }
        }
        router.group([authentication.requiringViewer]) { router in
            router.get("/api/articles/feed") { request in
                .json(MultipleArticlesResponse(try await articles.feed(page: try Self.page(request), viewerID: try request.requiredViewerID())))
            }
        }
        router.group([authentication.requiringUser]) { router in
            router.post("/api/articles") { request in
                let viewer = try request.requiredUser()
                let new = try JSONBody.decode(NewArticleRequest.self, from: request)
                let created = try await articles.create(title: new.title, description: new.description, body: new.body, tagList: new.tagList, author: viewer)
                return .json(SingleArticleResponse(view: created), status: 201)
            }
            router.put("/api/articles/:slug") { request in
                let viewer = try request.requiredUser()
                let update = try JSONBody.decode(UpdateArticleRequest.self, from: request)
                return .json(SingleArticleResponse(view: try await articles.update(slug: try Self.slug(request), changes: update.changes, viewer: viewer)))
            }
            router.delete("/api/articles/:slug") { request in
                try await articles.delete(slug: try Self.slug(request), viewer: try request.requiredUser())
                return .empty()
            }
            router.post("/api/articles/:slug/favorite") { request in
                .json(SingleArticleResponse(view: try await articles.favorite(slug: try Self.slug(request), viewer: try request.requiredUser())))
            }
            router.delete("/api/articles/:slug/favorite") { request in
                .json(SingleArticleResponse(view: try await articles.unfavorite(slug: try Self.slug(request), viewer: try request.requiredUser())))
            }
            router.post("/api/articles/:slug/comments") { request in
                let viewer = try request.requiredUser()
                let new = try JSONBody.decode(NewCommentRequest.self, from: request)
                let comment = try await articles.addComment(slug: try Self.slug(request), body: new.body, viewer: viewer)
                return .json(SingleCommentResponse(view: comment), status: 201)
            }
            router.delete("/api/articles/:slug/comments/:id") { request in
                let viewer = try request.requiredUser()
                guard let id = request.parameter("id").flatMap({ Int64($0) }), id > 0 else { throw AppError.notFound("comment") }
                try await articles.deleteComment(slug: try Self.slug(request), id: id, viewer: viewer)
                return .empty()
            }
        }
        router.get("/api/tags") { _ in .json(TagsResponse(tags: try await articles.tags())) }
    }

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
}
