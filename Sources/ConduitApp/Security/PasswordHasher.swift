import Crypto
import CryptoExtras
import Foundation
import HTTPKernel
import Tracing

/// Salted, memory-hard password hashes (scrypt from swift-crypto), computed on a dedicated
/// `BlockingPool` so that a hash (tens of milliseconds of CPU and 32 MiB of memory at the
/// default cost) never runs on an event loop or Swift's cooperative pool.
///
/// Hashes carry their parameters (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`), so the cost can be
/// raised later: old hashes still verify, and `needsRehash` says when to upgrade one.
public struct PasswordHasher: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// log2 of scrypt's N (CPU/memory cost).
        public var logN: Int
        public var blockSize: Int
        public var parallelism: Int

        public init(logN: Int = 15, blockSize: Int = 8, parallelism: Int = 1) {
            self.logN = logN
            self.blockSize = blockSize
            self.parallelism = parallelism
        }
    }

    public let parameters: Parameters
    private let pool: BlockingPool
    /// Whether each hash and verification gets a span (tracing on); off, not even a check of
    /// the task-local context is paid.
    public var traced = false
    private static let saltBytes = 16
    private static let hashBytes = 32

    public init(parameters: Parameters = Parameters(), pool: BlockingPool) {
        self.parameters = parameters
        self.pool = pool
    }

    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await spanned("password hash") {
            try await pool.run {
                var generator = SystemRandomNumberGenerator()
                let salt = (0..<Self.saltBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                let derived = try Self.derive(password, salt: salt, parameters: parameters)
                return "$scrypt$ln=\(parameters.logN),r=\(parameters.blockSize),p=\(parameters.parallelism)$"
                    + Self.base64(salt) + "$" + Self.base64(derived)
            }
        }
    }

    /// Whether `password` matches `encoded`. A malformed hash never matches.
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        guard let stored = StoredHash(encoded) else { return false }
        return try await spanned("password verify") {
            try await pool.run {
                let derived = try Self.derive(password, salt: stored.salt, parameters: stored.parameters)
                return Self.constantTimeEquals(derived, stored.hash)
            }
        }
    }

    /// The span waits on the async side while the pool's thread hashes; it carries the cost
    /// parameter, never the password or the hash.
    private func spanned<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        guard traced else { return try await body() }
        return try await withSpan(name) { span in
            span.attributes["conduit.password.scrypt_log_n"] = parameters.logN
            return try await body()
        }
    }

    /// Whether a stored hash was made with other parameters than the current ones.
    public func needsRehash(_ encoded: String) -> Bool {
        StoredHash(encoded)?.parameters != parameters
    }

    private static func derive(_ password: String, salt: [UInt8], parameters: Parameters) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: hashBytes, rounds: 1 << parameters.logN,
            blockSize: parameters.blockSize, parallelism: parameters.parallelism,
            maxMemory: (256 * parameters.blockSize) << parameters.logN)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// A parsed `$scrypt$ln=..,r=..,p=..$salt$hash` string.
    struct StoredHash {
        let parameters: Parameters
        let salt: [UInt8]
        let hash: [UInt8]

        init?(_ encoded: String) {
            let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else { return nil }
            var values: [Substring: Int] = [:]
            for pair in parts[2].split(separator: ",") {
                let kv = pair.split(separator: "=")
                guard kv.count == 2, let value = Int(kv[1]) else { return nil }
                values[kv[0]] = value
            }
            guard let logN = values["ln"], let r = values["r"], let p = values["p"],
                (1...24).contains(logN), (1...32).contains(r), (1...16).contains(p),
                let salt = Self.decode(parts[3]), let hash = Self.decode(parts[4]), !salt.isEmpty, !hash.isEmpty
            else { return nil }
            parameters = Parameters(logN: logN, blockSize: r, parallelism: p)
            self.salt = salt
            self.hash = hash
        }

        private static func decode(_ text: Substring) -> [UInt8]? {
            var padded = String(text)
            while padded.count % 4 != 0 { padded += "=" }
            return Data(base64Encoded: padded).map { Array($0) }
        }
    }
}
