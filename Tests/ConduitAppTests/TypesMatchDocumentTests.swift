import Foundation
import Testing

@testable import ConduitApp

/// The request and response types against the OpenAPI document, so that neither drifts: each
/// response body, written for the wire and by `JSONEncoder`, has exactly its schema's shape;
/// each request type reads exactly its schema's fields, requires the required ones and draws
/// the line where the schema's `maxLength` and `maxItems` say.
@Suite("Request and response types match the OpenAPI document")
struct TypesMatchDocumentTests {
    static var components: [String: Any] {
        let document = (try? JSONSerialization.jsonObject(with: Data(APIDescription.json))) as? [String: Any]
        return (document?["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
    }

    static func schema(_ name: String) -> [String: Any] { components[name] as? [String: Any] ?? [:] }

    /// Problems with `value` against `schema` (an object's keys must be exactly its properties).
    static func problems(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
        if let ref = schema["$ref"] as? String { return problems(value, Self.schema(String(ref.split(separator: "/").last ?? "")), at: path) }
        let types = (schema["type"] as? [String]) ?? [(schema["type"] as? String) ?? "any"]
        switch value {
        case is NSNull: return types.contains("null") ? [] : ["\(path): null"]
        case let object as [String: Any]:
            guard types.contains("object"), let properties = schema["properties"] as? [String: Any] else { return ["\(path): unexpected object"] }
            var found: [String] = []
            if Set(object.keys) != Set(properties.keys) { found.append("\(path): keys \(object.keys.sorted()) vs schema \(properties.keys.sorted())") }
            let required = Set(schema["required"] as? [String] ?? [])
            if !required.isSubset(of: Set(object.keys)) { found.append("\(path): missing \(required.subtracting(object.keys).sorted())") }
            for (key, item) in object {
                if let property = properties[key] as? [String: Any] { found += problems(item, property, at: "\(path).\(key)") }
            }
            return found
        case let array as [Any]:
            guard types.contains("array") else { return ["\(path): unexpected array"] }
            let items = schema["items"] as? [String: Any] ?? [:]
            return array.enumerated().flatMap { problems($1, items, at: "\(path)[\($0)]") }
        case let number as NSNumber where String(cString: number.objCType) == "c":  // JSON true/false
            return types.contains("boolean") ? [] : ["\(path): boolean"]
        case is NSNumber: return types.contains("integer") || types.contains("number") ? [] : ["\(path): number"]
        case is String: return types.contains("string") ? [] : ["\(path): string"]
        default: return ["\(path): \(type(of: value))"]
        }
    }

    static let author = Profile(username: "jake", bio: nil, image: "https://i.example/j.png", following: true)
    static let article = Article(
        id: 1, slug: "how-to-train", title: "How to \"train\"", description: "Two\nlines", body: "Tab\there, a \\ and \u{1}",
        authorID: 7, tagList: ["dragons", "training"], createdAt: "2026-11-30T03:00:00.000Z", updatedAt: "2026-11-30T03:00:01.000Z")
    static let view = ArticleView(article: article, author: author, favorited: false, favoritesCount: 3)
    static let comment = CommentView(
        comment: Comment(id: 4, articleID: 1, authorID: 7, body: "Nice\r\nreally", createdAt: "2026-11-30T03:00:02.000Z", updatedAt: "2026-11-30T03:00:02.000Z"),
        author: Profile(username: "ann", bio: "bio", image: nil, following: false))
    static let user = User(id: 7, username: "jake", email: "jake@jake.jake", passwordHash: "$scrypt$not-shown", bio: nil, image: nil, createdAt: "c", updatedAt: "u")

    static let samples: [any ResponseBody] = [
        ProfileResponse(profile: author),
        UserResponse(authenticated: .init(user: user, token: "header.payload.signature")),
        SingleArticleResponse(view: view),
        MultipleArticlesResponse((articles: [view, ArticleView(article: Article(id: 2, slug: "s", title: "t", description: "d", body: "b", authorID: 7, tagList: [], createdAt: "c", updatedAt: "u"), author: author, favorited: true, favoritesCount: 0)], total: 41)),
        MultipleArticlesResponse((articles: [], total: 0)),
        SingleCommentResponse(view: comment),
        MultipleCommentsResponse(views: [comment, comment]),
        TagsResponse(tags: ["a", "b\"c"]),
    ]

    @Test("each response body is what JSONEncoder makes of its type, in the shape of its schema", arguments: samples.indices)
    func responseBodies(index: Int) throws {
        let sample = Self.samples[index]
        let written = try JSONSerialization.jsonObject(with: Data(sample.bytes))
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(sample))
        #expect((written as? NSDictionary) == (encoded as? NSDictionary), "\(type(of: sample))")
        let schemaName = type(of: sample).schema
        #expect(!Self.schema(schemaName).isEmpty, "\(schemaName) is in the document")
        #expect(Self.problems(written, Self.schema(schemaName), at: schemaName).isEmpty, "\(Self.problems(written, Self.schema(schemaName), at: schemaName))")
    }

    /// What a request type does with one body: its errors by field, and the fields it read.
    struct Probe<Body: RequestBody>: Decodable {
        let errors: [String: [String]]
        let names: [String]
        init(from decoder: any Decoder) throws {
            let top = try decoder.container(keyedBy: FieldKey.self)
            var fields = Fields(try top.nestedContainer(keyedBy: FieldKey.self, forKey: FieldKey(Body.envelope)))
            _ = Body(validating: &fields)
            errors = fields.errors
            names = fields.names
        }

        static func run(_ inner: [String: Any]) throws -> Probe {
            try JSONDecoder().decode(Probe.self, from: JSONSerialization.data(withJSONObject: [Body.envelope: inner]))
        }
    }

    /// A valid value of exactly `length` characters for a field (formats respected).
    static func text(for field: String, length: Int) -> String {
        switch field {
        case "email": String(repeating: "a", count: max(1, length - 6)) + "@ab.cd"
        case "image": "https://" + String(repeating: "a", count: max(1, length - 8))
        default: String(repeating: "a", count: length)
        }
    }

    func check<Body: RequestBody>(_ type: Body.Type, schema name: String) throws {
        let envelope = try #require((Self.schema(name)["properties"] as? [String: Any])?[Body.envelope] as? [String: Any], "\(name)")
        let properties = try #require(envelope["properties"] as? [String: Any])
        let required = Set(envelope["required"] as? [String] ?? [])

        let empty = try Probe<Body>.run([:])
        #expect(Set(empty.names) == Set(properties.keys), "\(name): reads \(empty.names.sorted()), documents \(properties.keys.sorted())")
        #expect(Set(empty.errors.keys) == required, "\(name): requires \(empty.errors.keys.sorted()), documents \(required.sorted())")

        var valid: [String: Any] = [:]
        for (field, schema) in properties {
            let schema = schema as? [String: Any] ?? [:]
            if let items = schema["items"] as? [String: Any], let maxItems = schema["maxItems"] as? Int {
                valid[field] = Array(repeating: "tag", count: maxItems)
                _ = items
            } else {
                valid[field] = Self.text(for: field, length: max(schema["minLength"] as? Int ?? 1, 8))
            }
        }
        let validErrors = try Probe<Body>.run(valid).errors
        #expect(validErrors.isEmpty, "\(name): \(validErrors)")
        for (field, schema) in properties {
            let schema = schema as? [String: Any] ?? [:]
            if let maxLength = schema["maxLength"] as? Int {
                var atLimit = valid, over = valid
                atLimit[field] = Self.text(for: field, length: maxLength)
                over[field] = Self.text(for: field, length: maxLength + 1)
                #expect(try Probe<Body>.run(atLimit).errors[field] == nil, "\(name).\(field) at maxLength \(maxLength)")
                #expect(try Probe<Body>.run(over).errors[field] != nil, "\(name).\(field) past maxLength \(maxLength)")
            }
            if let minLength = schema["minLength"] as? Int, minLength > 1 {
                var under = valid
                under[field] = Self.text(for: field, length: minLength - 1)
                #expect(try Probe<Body>.run(under).errors[field] != nil, "\(name).\(field) under minLength \(minLength)")
            }
            if let maxItems = schema["maxItems"] as? Int, let items = schema["items"] as? [String: Any], let itemLength = items["maxLength"] as? Int {
                var over = valid, longItem = valid
                over[field] = Array(repeating: "tag", count: maxItems + 1)
                longItem[field] = [String(repeating: "t", count: itemLength + 1)]
                #expect(try Probe<Body>.run(over).errors[field] != nil, "\(name).\(field) past maxItems \(maxItems)")
                #expect(try Probe<Body>.run(longItem).errors[field] != nil, "\(name).\(field) item past maxLength \(itemLength)")
            }
        }
    }

    @Test("each request type reads exactly its schema's fields, requires the required ones, and draws the documented lines")
    func requestTypes() throws {
        try check(NewUserRequest.self, schema: "NewUserRequest")
        try check(LoginUserRequest.self, schema: "LoginUserRequest")
        try check(UpdateUserRequest.self, schema: "UpdateUserRequest")
        try check(NewArticleRequest.self, schema: "NewArticleRequest")
        try check(UpdateArticleRequest.self, schema: "UpdateArticleRequest")
        try check(NewCommentRequest.self, schema: "NewCommentRequest")
    }
}
