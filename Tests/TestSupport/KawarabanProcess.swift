import Foundation

/// The built `kawaraban` executable, run as a user would run it.
public struct KawarabanProcess: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public static var executable: URL {
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
    public struct Launched {
        public let process: Process
        let outputFile: URL
        let errorFile: URL

        public var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
        public var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

        /// Waits without blocking a thread.
        public func exit(within timeout: Duration) async throws {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning {
                if ContinuousClock.now > deadline {
                    process.terminate()
                    throw ProcessFailure("kawaraban \(process.arguments?.joined(separator: " ") ?? "") did not finish within \(timeout)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        public func removeFiles() {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
    }

    /// Starts the command without waiting for it.
    public func launch(_ arguments: [String]) throws -> Launched {
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
    public func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> Result {
        let launched = try launch(arguments)
        defer { launched.removeFiles() }
        try await launched.exit(within: timeout)
        return Result(status: launched.process.terminationStatus, output: launched.output, errors: launched.errors)
    }

    /// Runs the command and requires it to succeed.
    @discardableResult
    public func succeed(_ arguments: [String]) async throws -> Result {
        let result = try await run(arguments)
        if result.status != 0 {
            throw ProcessFailure("kawaraban \(arguments.joined(separator: " ")) exited \(result.status):\n\(result.errors)\n\(result.output)")
        }
        return result
    }

}

public struct ProcessFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A port nobody listens on right now, for a server the test starts as a child process.
public func unusedLoopbackPort() throws -> Int {
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

/// What one command cost: wall time, processor time and the process's peak resident memory.
public struct MeasuredRun: Sendable, CustomStringConvertible {
    public var result: KawarabanProcess.Result
    public var seconds: Double
    /// User and system time the process used, as last read before it ended. Unlike wall time it
    /// does not grow when other work shares the machine's two cores.
    public var processorSeconds: Double
    public var peakResidentBytes: Int
    /// A trap, a kill or the out-of-memory killer rather than an exit of its own.
    public var endedBySignal: Bool

    public var peakResidentMiB: Double { Double(peakResidentBytes) / 1_048_576 }

    public var description: String {
        "\(endedBySignal ? "signal" : "exit") \(result.status) after \(String(format: "%.2f", seconds)) s (\(String(format: "%.2f", processorSeconds)) s of processor time), peak RSS \(String(format: "%.1f", peakResidentMiB)) MiB"
    }
}

extension KawarabanProcess {
    /// Runs the command to the end and measures it. Peak memory is the kernel's high-water mark
    /// (VmHWM), read every few milliseconds while the process lives, so a process of its own keeps
    /// the figure free of whatever else the test process is doing.
    public func measure(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> MeasuredRun {
        let started = ContinuousClock.now
        let launched = try launch(arguments)
        defer { launched.removeFiles() }
        let statusFile = "/proc/\(launched.process.processIdentifier)/status"
        let statFile = "/proc/\(launched.process.processIdentifier)/stat"
        var peak = 0
        var processorSeconds = 0.0
        while launched.process.isRunning {
            if let high = Self.highWaterMark(statusFile) { peak = max(peak, high) }
            if let used = Self.processorTime(statFile) { processorSeconds = max(processorSeconds, used) }
            if ContinuousClock.now - started > timeout {
                launched.process.terminate()
                throw ProcessFailure("kawaraban \(arguments.joined(separator: " ")) did not finish within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let result = Result(status: launched.process.terminationStatus, output: launched.output, errors: launched.errors)
        return MeasuredRun(result: result, seconds: seconds, processorSeconds: processorSeconds, peakResidentBytes: peak,
                           endedBySignal: launched.process.terminationReason == .uncaughtSignal)
    }

    /// The kernel's high-water mark of resident memory (VmHWM) in a `/proc/PID/status` file, in bytes.
    public static func highWaterMark(_ statusFile: String) -> Int? {
        guard let status = try? String(contentsOfFile: statusFile, encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        let kibibytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        return kibibytes.map { $0 * 1024 }
    }

    /// User plus system time in a `/proc/PID/stat` file (its 14th and 15th fields, in clock ticks),
    /// in seconds. The fields are counted after the command name, which may itself hold spaces.
    public static func processorTime(_ statFile: String) -> Double? {
        guard let stat = try? String(contentsOfFile: statFile, encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        // After the name: state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
