import ArgumentParser

/// Stories: articles about one event grouped across sources, and their follow-ups.
struct Stories: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stories",
        abstract: "Measure and manage how articles are grouped into stories.",
        subcommands: [StoriesEval.self, List.self, Split.self])
}
