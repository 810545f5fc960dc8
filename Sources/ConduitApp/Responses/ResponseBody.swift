import HTTPKernel

/// A JSON response body as a type: `Encodable` in the shape of its OpenAPI schema (a test
/// holds the two together and checks that ``write(to:)`` writes what `JSONEncoder` would),
/// and written for the wire by ``write(to:)`` straight into the bytes sent.
protocol ResponseBody: Encodable, Sendable {
    /// The component of the OpenAPI document that describes this body.
    static var schema: String { get }
    /// A starting capacity for the writer: about what the body takes.
    var estimatedSize: Int { get }
    func write(to json: inout JSONWriter)
}

extension ResponseBody {
    var estimatedSize: Int { 256 }

    var bytes: [UInt8] {
        var json = JSONWriter(capacity: estimatedSize)
        write(to: &json)
        return json.bytes
    }
}

extension HTTPResponse {
    static func json(_ body: some ResponseBody, status: Int = 200) -> HTTPResponse {
        .json(body.bytes, status: status)
    }
}

/// The keys of every response body, spelled once.
enum ResponseKey: String, CodingKey {
    case user, profile, article, articles, articlesCount, comment, comments, tags
    case email, token, username, bio, image, following
    case slug, title, description, body, tagList, createdAt, updatedAt, favorited, favoritesCount, author
    case id
}
