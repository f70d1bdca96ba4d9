import ArgumentParser
import Feeds
import Foundation
#if canImport(Glibc)
import Glibc
import KawarabanCore
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure how fast the collector's parts run, on files of your choosing.",
        subcommands: [FeedParsingBenchmark.self])
}

/// Parses every file under a directory, `--repeat` times over, and prints the parser's throughput
/// and the process's peak memory. Each file is read just before it is parsed and dropped after, so
/// the peak stays what one feed needs however many are parsed; reading is not timed.
struct FeedParsingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds", abstract: "Parse every file in DIR and print MB/s, items/s and peak RSS.")

    @Argument(help: "A directory of feed files (searched recursively).") var directory: String
    @Option(name: .customLong("repeat"), help: "How many times to parse the whole directory.") var repetitions = 1

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        let files = try Self.files(under: URL(fileURLWithPath: directory))
        guard !files.isEmpty else { throw CommandFailure("\(directory): no files to parse") }
        var bytes = 0, items = 0, feeds = 0, failures = 0
        var parsing = Duration.zero
        let clock = ContinuousClock()
        for _ in 0..<repetitions {
            for file in files {
                let data = try Data(contentsOf: file)
                bytes += data.count
                let started = clock.now
                let result = try? FeedParser.parse(data, baseURL: file)
                parsing += clock.now - started
                if let result {
                    feeds += 1
                    items += result.items.count
                } else {
                    failures += 1
                }
            }
        }
        let seconds = parsing.timeInterval
        let megabytes = Double(bytes) / 1_000_000
        print("files: \(files.count) × \(repetitions); \(String(format: "%.2f", megabytes)) MB; \(feeds) feeds parsed, \(failures) refused; \(items) items")
        print(String(format: "parse time: %.3f s", seconds))
        print(String(format: "throughput: %.1f MB/s, %.0f items/s, %.0f feeds/s", megabytes / seconds,
                     Double(items) / seconds, Double(feeds + failures) / seconds))
        print(String(format: "peak RSS: %.1f MiB", Self.peakResidentMebibytes()))
    }

    static func files(under directory: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw CommandFailure("\(directory.path): not a readable directory")
        }
        return walker.compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.path < $1.path }
    }

    /// The most memory the process has held at once (getrusage reports KiB on Linux, bytes on macOS).
    static func peakResidentMebibytes() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #endif
    }
}
