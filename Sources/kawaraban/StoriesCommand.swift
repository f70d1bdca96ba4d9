import ArgumentParser

struct Stories: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stories",
        abstract: "See the stories items were grouped into, and split a wrong merge.",
        subcommands: [List.self, Split.self])
}
