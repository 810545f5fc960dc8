import Foundation
import PostgresKit

/// Where DATABASE_URL points: an SQLite file (`sqlite:PATH`, relative to the working
/// directory, or `sqlite:///absolute/path`) or a PostgreSQL server (`postgres://` or
/// `postgresql://user:pass@host:5432/db`, optionally `?sslmode=disable|prefer|require|verify-full`).
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
            guard components.user?.isEmpty == false else {
                throw ConfigurationError("DATABASE_URL needs a user: postgres://user:pass@host:5432/db")
            }
            let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full", "true", "false"]
            for item in components.queryItems ?? [] where ["sslmode", "tlsmode", "ssl", "tls"].contains(item.name.lowercased()) {
                guard let value = item.value, sslModes.contains(value) else {
                    throw ConfigurationError("DATABASE_URL sslmode must be one of \(sslModes.prefix(6).joined(separator: ", ")), got \"\(item.value ?? "")\"")
                }
            }
            guard (try? SQLPostgresConfiguration(url: url)) != nil else {
                throw ConfigurationError("DATABASE_URL is not a usable PostgreSQL URL (postgres://user:pass@host:5432/db)")
            }
            self = .postgres(url: url)
        } else {
            throw ConfigurationError("DATABASE_URL must start with sqlite:, postgres:// or postgresql://, got \"\(AppConfiguration.maskedURL(url).prefix(64))\"")
        }
    }
}
