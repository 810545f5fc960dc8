import Foundation

/// What counts as a usable JWT signing secret. Production refuses to start without a strong
/// one; development makes a random one per start (tokens then die with the process).
enum JWTSecretPolicy {
    static let minimumBytes = 32

    /// Values from documentation and examples that must never sign real tokens.
    static let knownExamples: Set<String> = [
        "change-me", "changeme", "secret", "your-secret-here",
        "change-me-to-at-least-32-random-bytes-please",
    ]

    static func resolve(_ configured: String?, environment: AppConfiguration.Environment) throws(ConfigurationError) -> String {
        guard let configured, !configured.isEmpty else {
            if environment == .production {
                throw ConfigurationError("JWT_SECRET is required when APP_ENV=production (at least \(minimumBytes) random bytes)")
            }
            return randomSecret()
        }
        if environment == .production {
            guard configured.utf8.count >= minimumBytes else {
                throw ConfigurationError("JWT_SECRET must be at least \(minimumBytes) bytes when APP_ENV=production")
            }
            guard !knownExamples.contains(configured.lowercased()), Set(configured).count >= 8 else {
                throw ConfigurationError("JWT_SECRET is a placeholder or too repetitive; use random bytes (openssl rand -base64 48)")
            }
        }
        return configured
    }

    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
