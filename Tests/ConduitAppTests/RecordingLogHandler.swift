import Logging
import Synchronization

/// Keeps every line as text: level, label, message, every metadata value and the error, all
/// that any real handler could print, for tests that search log output for secrets.
struct RecordingLogHandler: LogHandler {
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    let label: String
    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        lines.append("\(event.level) [\(label)] \(event.message) \(fields) \(event.error.map { "\($0)" } ?? "")")
    }

    static func logger(_ label: String, into lines: Lines) -> Logger {
        Logger(label: label) { RecordingLogHandler(label: $0, lines: lines) }
    }
}
