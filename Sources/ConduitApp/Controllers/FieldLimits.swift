/// The length limits of every string the API accepts, in one place (characters). They are
/// enforced by the controllers before a value reaches a service or the database.
enum FieldLimits {
    static let username = 64
    static let email = 254
    static let passwordMinimum = 8
    static let passwordMaximum = 256
    static let bio = 4096
    static let image = 2048
    static let title = 256
    static let description = 1024
    static let articleBody = 100_000
    static let tag = 64
    static let tagsPerArticle = 20
    static let commentBody = 10_000
    static let slug = 200
    /// `limit` of a list: larger values are capped to this.
    static let pageLimit = 100
}

/// Formats checked beyond length.
enum FieldFormats {
    /// One `@`, something on each side, a dot in the domain, no whitespace.
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix(".")
        else { return false }
        return !text.unicodeScalars.contains { $0.properties.isWhitespace }
    }

    /// Image URLs end up in `<img src>` of every frontend: only http(s) ones are accepted.
    static func isWebURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return (lower.hasPrefix("https://") || lower.hasPrefix("http://")) && !text.unicodeScalars.contains { $0.properties.isWhitespace }
    }
}
