import NIOCore
import NIOPosix
import SQLKit

/// An `SQLDatabase` written against the async `execute` alone: the future-based requirement
/// is answered through it, on any event loop (nothing here is bound to one).
protocol AsyncSQLDatabase: SQLDatabase {}

extension AsyncSQLDatabase {
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }
}
