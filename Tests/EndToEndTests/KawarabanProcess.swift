import Foundation
import Testing

/// The built `kawaraban` executable, run as a user would run it.
struct KawarabanProcess {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    let environment: [String: String]

    static var executable: URL {
        get throws {
            let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for directory in [besideTests, besideTests.deletingLastPathComponent()] {
                let candidate = directory.appendingPathComponent("kawaraban")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
            throw ProcessFailure("the kawaraban executable was not found beside \(besideTests.path); run `swift build` first")
        }
    }

    /// A started command whose output goes to files: reading pipes would block threads of the
    /// test process's concurrency pool, which its own test servers need.
    struct Launched {
        let process: Process
        let outputFile: URL
        let errorFile: URL

        var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
        var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

        /// Waits without blocking a thread.
        func exit(within timeout: Duration) async throws {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning {
                if ContinuousClock.now > deadline {
                    process.terminate()
                    throw ProcessFailure("kawaraban \(process.arguments?.joined(separator: " ") ?? "") did not finish within \(timeout)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        func removeFiles() {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
    }

    /// Starts the command without waiting for it.
    func launch(_ arguments: [String]) throws -> Launched {
        let process = Process()
        process.executableURL = try Self.executable
        process.arguments = arguments
        // Only our settings pass through, so the developer's own environment cannot change a result.
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KAWARABAN_") }
        base.merge(environment) { _, ours in ours }
        process.environment = base
        let folder = FileManager.default.temporaryDirectory
        let outputFile = folder.appendingPathComponent("kawaraban-\(UUID().uuidString).out")
        let errorFile = folder.appendingPathComponent("kawaraban-\(UUID().uuidString).err")
        for file in [outputFile, errorFile] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        return Launched(process: process, outputFile: outputFile, errorFile: errorFile)
    }

    /// Runs the command to the end, failing after `timeout`.
    @discardableResult
    func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> Result {
        let launched = try launch(arguments)
        defer { launched.removeFiles() }
        try await launched.exit(within: timeout)
        return Result(status: launched.process.terminationStatus, output: launched.output, errors: launched.errors)
    }

    /// Runs the command and requires it to succeed.
    @discardableResult
    func succeed(_ arguments: [String]) async throws -> Result {
        let result = try await run(arguments)
        if result.status != 0 {
            throw ProcessFailure("kawaraban \(arguments.joined(separator: " ")) exited \(result.status):\n\(result.errors)\n\(result.output)")
        }
        return result
    }

}

struct ProcessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A port nobody listens on right now, for a server the test starts as a child process.
func unusedLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw ProcessFailure("socket() failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw ProcessFailure("bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
