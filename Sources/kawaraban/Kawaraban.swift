import ArgumentParser
import Foundation
import Logging
import Pipeline

@main
struct Kawaraban: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kawaraban",
        abstract: "Collects AI news, translates and analyses it in Japanese, and publishes a website.",
        subcommands: [Serve.self, Migrate.self, Sources.self, Collect.self, Work.self, Status.self, Feed.self, Extract.self, Bench.self,
                      Items.self, Prune.self, GlossaryCommand.self, Usage.self, Eval.self, Demo.self, Stories.self,
                      DigestCommand.self])
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "A file of KAWARABAN_*=value lines; the environment overrides it.")
    var config: String?

    @Option(name: .long, help: "A SQLite file or a postgres:// URL (overrides KAWARABAN_DATABASE).")
    var database: String?

    @Flag(name: .long, help: "Log debug details.")
    var verbose = false

    /// The settings, with flags taking the place of the variables they stand for.
    func settings(overriding flags: [String: String?] = [:]) throws -> Settings {
        var environment = ProcessInfo.processInfo.environment
        let given = flags.merging([Settings.Key.database: database]) { command, _ in command }
        for case let (key, value?) in given { environment[key] = value }
        do {
            return try Settings.load(environment: environment, configFile: config)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func logger() -> Logger {
        var logger = Logger(label: "kawaraban", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = verbose ? .debug : .info
        return logger
    }

    /// Opens the services, runs `body`, and closes them whatever happens.
    func withServices<T>(overriding flags: [String: String?] = [:], _ body: (Services) async throws -> T) async throws -> T {
        let services = try await Services.open(try settings(overriding: flags), logger: logger())
        do {
            let result = try await body(services)
            await services.close()
            return result
        } catch {
            await services.close()
            throw error
        }
    }
}

/// A command that could not do its work, for reasons other than how it was called: printed
/// without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    /// Runs `body`, and has any error it throws printed in its own words, without the error's type.
    static func inOwnWords<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
