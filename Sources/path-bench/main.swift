import ConduitApp
import Foundation
import HTTPKernel
import Logging

// What the application path costs per request, without sockets or evhttp: middleware,
// router, controllers, services, the SQLite read unit on its reader thread, JSON. A release
// build:
//
//     swift build -c release --product path-bench && .build/release/path-bench [rounds] [requests]
//
// It seeds what ../shared/bench/app/app-mix.py seeds (10 users, 10 articles each, 12 tags,
// comments), then sends the anon mix's paths, 64 requests at a time (`LANES`), to one SQLite
// reader thread (`READERS`), and reports the process's CPU time per request (user + system,
// from getrusage) over rounds of requests. A whole-server benchmark on this shared two-core
// box moves by 10-20% from one minute to the next; the minimum of these rounds moved by about
// 1% between runs of one build, so a change to the path shows here as a difference of minima
// over alternating runs. One busy reader keeps thread wake-ups (the kernel's share) steady.

let logger = Logger(label: "path-bench", factory: { _ in SwiftLogNoOpLogHandler() })
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let rounds = arguments.first ?? 30
let requestsPerRound = arguments.dropFirst().first ?? 3_000
let concurrency = Int(ProcessInfo.processInfo.environment["LANES"] ?? "") ?? 16

func request(_ method: HTTPMethod, _ target: String, body: String = "", token: String? = nil) -> HTTPRequest {
    let parts = target.split(separator: "?", maxSplits: 1)
    var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
    if let token { headers.append(("Authorization", "Token \(token)")) }
    return HTTPRequest(
        method: method, path: String(parts[0]), query: parts.count > 1 ? QueryParameters(raw: parts[1])! : QueryParameters(),
        headers: HTTPHeaders(headers), body: Array(body.utf8), peerAddress: "127.0.0.1", requestID: "bench", logger: logger)
}

func json(_ response: HTTPResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conduit-path-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
var configuration = AppConfiguration(jwtSecret: "path-bench-secret-0123456789abcdef0123456789")
configuration.databaseURL = "sqlite:" + folder.appendingPathComponent("bench.sqlite").path
configuration.passwordHashCost = 10
configuration.rateLimitAuthPerMinute = 0
configuration.sqliteReaders = Int(ProcessInfo.processInfo.environment["READERS"] ?? "") ?? 1
let (responder, close) = try await Application(configuration: configuration).makeInProcessResponder(logger: logger)

// The seed of app-mix.py: ten authors, ten articles each with three of twelve tags, comments.
let body = Array(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit.", count: 12).joined(separator: " ")
var users: [(name: String, token: String)] = []
var slugs: [String] = []
for user in 0..<10 {
    let name = "bench\(user)"
    let registered = try await responder.respond(to: request(
        .post, "/api/users", body: #"{"user":{"username":"\#(name)","email":"\#(name)@bench.example.com","password":"password123"}}"#))
    guard let token = (json(registered)["user"] as? [String: Any])?["token"] as? String else { fatalError("register: \(registered.status)") }
    users.append((name, token))
}
for (index, user) in users.enumerated() {
    for number in 0..<10 {
        let tags = (0..<3).map { "\"tag\((index * 10 + number + $0 * 5) % 12)\"" }.joined(separator: ",")
        let created = try await responder.respond(to: request(
            .post, "/api/articles",
            body: #"{"article":{"title":"Article \#(user.name) \#(number)","description":"About \#(number)","body":"\#(body)","tagList":[\#(tags)]}}"#,
            token: user.token))
        guard let slug = (json(created)["article"] as? [String: Any])?["slug"] as? String else { fatalError("article: \(created.status)") }
        slugs.append(slug)
    }
}
for slug in slugs.prefix(30) {
    for user in users.prefix(3) {
        _ = try await responder.respond(to: request(
            .post, "/api/articles/\(slug)/comments", body: #"{"comment":{"body":"A comment by \#(user.name)"}}"#, token: user.token))
    }
}

// The anon mix's paths, as app-mix.py lists them.
var paths = ["/api/articles?limit=10&offset=0", "/api/tags"]
for index in 0..<4 { paths += ["/api/articles/\(slugs[index * 7])", "/api/articles/\(slugs[index * 7])/comments"] }
paths += ["/api/profiles/\(users[3].name)", "/api/articles?author=\(users[2].name)&limit=5", "/api/articles?tag=tag3&limit=10", "/api/articles?limit=10&offset=20"]
let requests = paths.map { request(.get, $0) }
for (path, request) in zip(paths, requests) {
    let status = try await responder.respond(to: request).status
    guard status == 200 else { fatalError("\(path): \(status)") }
}

var perRequest: [Double] = []
for round in 0...rounds {
    let started = cpuSeconds()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<concurrency {
            group.addTask {
                for index in stride(from: lane, to: requestsPerRound, by: concurrency) {
                    _ = try await responder.respond(to: requests[index % requests.count])
                }
            }
        }
        try await group.waitForAll()
    }
    let microseconds = (cpuSeconds() - started) / Double(requestsPerRound) * 1e6
    if round > 0 { perRequest.append(microseconds) }  // round 0 warms up
}
await close()
perRequest.sort()
let median = perRequest[perRequest.count / 2]
print(String(format: "anon paths in process, %d rounds of %d (%d at a time): CPU per request min %.1f us, median %.1f us",
             rounds, requestsPerRound, concurrency, perRequest[0], median))
