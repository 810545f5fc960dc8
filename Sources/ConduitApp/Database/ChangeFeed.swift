import Logging
import PostgresNIO

/// Messages between the instances that share one database, for what each caches: PostgreSQL's
/// LISTEN/NOTIFY. (SQLite is one process: its caches need no messages.)
public protocol ChangeFeed: Sendable {
    /// Sends `message` to every instance following `channel`, this one included.
    func publish(_ message: String, on channel: String) async throws
    /// Delivers `channel`'s messages until the task is cancelled, subscribing again after a
    /// failure. `subscribed(true)` each time a subscription starts (what was sent while there
    /// was none is lost: caches must start over), `subscribed(false)` each time one ends.
    func follow(
        _ channel: String, subscribed: @escaping @Sendable (Bool) -> Void, received: @escaping @Sendable (String) -> Void
    ) async
}

extension PostgresStore: ChangeFeed {
    public func publish(_ message: String, on channel: String) async throws {
        try await withConnection { connection in
            _ = try await connection.query("SELECT pg_notify(\(channel), \(message))", logger: self.logger).collect()
        }
    }

    /// Holds one of the pool's connections for as long as it follows (LISTEN lives on a session).
    public func follow(
        _ channel: String, subscribed: @escaping @Sendable (Bool) -> Void, received: @escaping @Sendable (String) -> Void
    ) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        subscribed(true)
                        for try await notification in notifications { received(notification.payload) }
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning("change feed lost; subscribing again", metadata: ["channel": .string(channel), "error": "\(String(describing: error).prefix(200))"])
                }
            }
            subscribed(false)
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
