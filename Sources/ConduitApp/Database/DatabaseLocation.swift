import Foundation

/// Where DATABASE_URL points: an SQLite file (`sqlite:PATH`, relative to the working
/// directory, or `sqlite:///absolute/path`) or a PostgreSQL server.
public enum DatabaseLocation: Equatable, Sendable {
    case sqlite(path: String)
    case postgres(url: String)

    public init(url: String) throws(ConfigurationError) {
        let lower = url.lowercased()
        if lower.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw ConfigurationError("DATABASE_URL sqlite: needs a file path") }
            self = .sqlite(path: path)
        } else if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: url), components.host?.isEmpty == false else {
                throw ConfigurationError("DATABASE_URL is not a valid postgres:// URL")
            }
            self = .postgres(url: url)
        } else {
            throw ConfigurationError("DATABASE_URL must start with sqlite: or postgres://, got \"\(AppConfiguration.maskedURL(url).prefix(64))\"")
        }
    }
}
