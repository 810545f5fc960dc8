import HTTPKernel
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What both handlers share: the metadata they carry and swift-log's subscript onto it.
public protocol LineLogHandler: LogHandler {
    var metadata: Logger.Metadata { get set }
}

extension LineLogHandler {
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}

/// swift-log handler writing one JSON object per line to stdout: `timestamp`, `level`,
/// `message`, `label`, then the metadata (request id, method, path, status...) as fields.
public struct JSONLogHandler: LineLogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: LogOutput

    public init(label: String, level: Logger.Level, output: LogOutput = .standardOutput) {
        self.label = label
        logLevel = level
        self.output = output
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var line = "{\"timestamp\":\"\(Timestamp.now())\",\"level\":\"\(event.level.rawValue)\","
        line += "\"message\":\(JSONString.quote(event.message.description)),\"label\":\(JSONString.quote(label))"
        for key in fields.keys.sorted() where !Self.reserved.contains(key) {
            line += ",\(JSONString.quote(key)):\(Self.json(fields[key]!))"
        }
        line += "}\n"
        output.write(line)
    }

    private static let reserved: Set<String> = ["timestamp", "level", "message", "label"]

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case let .string(text): JSONString.quote(text)
        case let .stringConvertible(convertible):
            if let number = convertible as? any BinaryInteger {
                "\(number)"
            } else if let number = convertible as? Double, number.isFinite {
                "\(number)"
            } else {
                JSONString.quote(convertible.description)
            }
        case let .array(values): "[" + values.map(json).joined(separator: ",") + "]"
        case let .dictionary(entries):
            "{" + entries.keys.sorted().map { "\(JSONString.quote($0)):\(json(entries[$0]!))" }.joined(separator: ",") + "}"
        }
    }
}

/// swift-log handler writing `timestamp level [label] message key=value ...` lines to stdout.
public struct TextLogHandler: LineLogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: LogOutput

    public init(label: String, level: Logger.Level, output: LogOutput = .standardOutput) {
        self.label = label
        logLevel = level
        self.output = output
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let pairs = fields.keys.sorted().map { "\($0)=\(fields[$0]!)" }.joined(separator: " ")
        output.write("\(Timestamp.now()) \(event.level.rawValue) [\(label)] \(event.message)\(pairs.isEmpty ? "" : " " + pairs)\n")
    }
}

/// Where log lines go. Each line is one `write(2)`, so lines from several threads never interleave.
public final class LogOutput: Sendable {
    private let descriptor: Int32
    private let lock = Mutex(())

    public init(descriptor: Int32) { self.descriptor = descriptor }

    public static let standardOutput = LogOutput(descriptor: 1)

    func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            lock.withLock { _ in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 {
                        if written < 0, errno == EINTR { continue }
                        return  // a closed stdout must not take the server down
                    }
                    offset += written
                }
            }
        }
    }
}
