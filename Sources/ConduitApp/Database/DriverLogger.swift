import Logging

/// The logger database drivers get. sql-kit and PostgresNIO log each statement with its bound
/// values at debug and trace, and bound values are passwords' hashes, emails and tokens: the
/// drivers never log below `notice`, whatever LOG_LEVEL says, and statement logging is switched
/// off where the drivers offer it (`queryLogLevel: nil`; the SQLite sessions never log one).
/// Their warnings and errors still reach the log; a failed statement's cause is logged once, by
/// the error middleware, with the request id.
enum DriverLogger {
    static let floor = Logger.Level.notice

    static func make(from logger: Logger) -> Logger {
        var driver = logger
        driver.logLevel = max(logger.logLevel, floor)
        return driver
    }
}
