import Foundation
import TestSupport

/// Runs the built `ledger` executable as a person or a script would, and what it printed.
enum LedgerProcess {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    /// The `ledger` built beside this test bundle (or `$LEDGER_BIN`).
    static let executable: URL = {
        if let path = ProcessInfo.processInfo.environment["LEDGER_BIN"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ledger")
    }()

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @discardableResult
    static func run(_ arguments: [String], in folder: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        try run(executable, arguments, in: folder, environment: environment)
    }

    /// Runs `program`; its output goes to files, so that a long report cannot stall on a pipe.
    static func run(_ program: URL, _ arguments: [String], in folder: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let scratch = try TemporaryFolder("ledger-cli-run")
        defer { scratch.remove() }
        let outputURL = scratch.appendingPathComponent("out"), errorsURL = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorsURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: try String(contentsOf: outputURL, encoding: .utf8),
            errors: try String(contentsOf: errorsURL, encoding: .utf8))
    }

    /// Generates a sample Data Exchange file with `ledger sample`.
    static func generate(_ arguments: [String], to path: URL) throws {
        let result = try run(["sample"] + arguments + ["-o", path.path])
        guard result.status == 0 else { throw GeneratorFailed(message: result.errors) }
    }

    struct GeneratorFailed: Error { var message: String }
}
