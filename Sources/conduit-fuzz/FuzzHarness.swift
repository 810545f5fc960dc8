import ConduitApp
import Foundation
import HTTPKernel
import Logging

/// The whole request path of `conduit` (middleware, router, controllers and their JSON
/// validation, services, SQLite) in process, and the properties every answer must have.
final class FuzzHarness: Sendable {
    static let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

    let responder: any HTTPResponder
    let token: String
    let close: @Sendable () async -> Void

    private init(responder: any HTTPResponder, token: String, close: @escaping @Sendable () async -> Void) {
        self.responder = responder
        self.token = token
        self.close = close
    }

    /// A fresh database in a temporary folder, a user to act as, and seeded content.
    static func make() async throws -> FuzzHarness {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conduit-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = AppConfiguration(jwtSecret: String((0..<48).map { _ in "abcdefghijkmnopqrstuvwxyz0123456789".randomElement()! }))
        configuration.databaseURL = "sqlite:" + folder.appendingPathComponent("fuzz.sqlite").path
        configuration.passwordHashCost = 10
        configuration.rateLimitAuthPerMinute = 0  // every input comes from one address
        configuration.corsAllowedOrigins = ["https://app.example.com"]
        configuration.authCookie = true
        let (responder, close) = try await Application(configuration: configuration).makeInProcessResponder(logger: logger)
        // The user the authenticated inputs act as, and something for them to act on.
        for seed in Seeds.setup {
            _ = try await responder.respond(to: FuzzInput(seed).request(token: "")!)
        }
        let login = try await responder.respond(to: FuzzInput(Seeds.login).request(token: "")!)
        let json = try JSONSerialization.jsonObject(with: Data(login.body)) as? [String: Any]
        guard let token = (json?["user"] as? [String: Any])?["token"] as? String else {
            throw Failure(description: "setup: login failed with \(login.status)")
        }
        return FuzzHarness(responder: responder, token: token, close: close)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs one input; returns what it reached (route or method and status, and for errors the
    /// envelope's keys, so that each distinct validation failure counts), or throws a ``Failure`` when
    /// the answer breaks a property: no 5xx, no error escaping the middleware, every error
    /// in the `{"errors":{...}}` envelope, every JSON body valid JSON.
    func run(_ bytes: [UInt8]) throws(Failure) -> String {
        let input = FuzzInput(bytes)
        guard let request = input.request(token: token) else { return "query 400" }
        let outcome = Self.blocking { [responder] () -> Result<HTTPResponse, any Error> in
            do { return .success(try await responder.respond(to: request)) } catch { return .failure(error) }
        }
        let response: HTTPResponse
        switch outcome {
        case let .success(value): response = value
        case let .failure(error): throw Failure(description: "an error escaped the middleware: \(error)")
        }
        let route = response.route ?? input.method.rawValue
        guard response.status < 500 else {
            throw Failure(description: "\(response.status) on \(input.method.rawValue) \(input.target): \(String(decoding: response.body, as: UTF8.self))")
        }
        if !response.body.isEmpty {
            guard let json = try? JSONSerialization.jsonObject(with: Data(response.body)) else {
                throw Failure(description: "not JSON from \(route): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
            }
            if response.status >= 400 {
                guard let errors = (json as? [String: Any])?["errors"] as? [String: [String]] else {
                    throw Failure(description: "\(response.status) without the errors envelope from \(route)")
                }
                return "\(route) \(response.status) \(errors.keys.sorted())"
            }
        }
        return "\(route) \(response.status)"
    }

    /// Waits for async work from a synchronous caller (libFuzzer's callback); the work runs on
    /// the cooperative pool, never on this thread.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

/// `@unchecked Sendable`: `value` is written once, before the semaphore is signalled, and read
/// only after the wait returns; the semaphore orders the two.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
