import ArgumentParser
import Foundation
import KawarabanCore
import Pipeline

extension EntityKind: ExpressibleByArgument {}

struct GlossaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glossary",
        abstract: "The site-wide glossary: one rendering per name on every page.",
        discussion: """
            Files are lines of ORIGINAL<tab>RENDERING<tab>KIND (the kind may be left out); # starts a comment. \
            After changing renderings, `glossary apply` rewrites the articles already stored.
            """,
        subcommands: [List.self, Set.self, Import.self, Export.self, Apply.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every entry: original, rendering, kind, origin.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only entries of this kind (\(EntityKind.names)).") var kind: EntityKind?

        func run() async throws {
            try await options.withServices { services in
                let entries = try await CommandFailure.inOwnWords {
                    try await GlossaryMaintenance(store: services.store).entries(kind: kind)
                }
                for entry in entries {
                    print([entry.original, entry.rendering, entry.kind?.rawValue ?? "-", entry.origin.rawValue].joined(separator: "\t"))
                }
                print("\(entries.count) entr\(entries.count == 1 ? "y" : "ies")")
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the rendering of a name; the seed and new entities never overwrite it.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The name as written in the original language.") var original: String
        @Argument(help: "How every page writes it.") var rendering: String
        @Option(help: "What it is (\(EntityKind.names)).") var kind: EntityKind?

        func run() async throws {
            try await options.withServices { services in
                let changed = try await CommandFailure.inOwnWords {
                    try await GlossaryMaintenance(store: services.store).set(original: original, rendering: rendering, kind: kind)
                }
                print(changed ? "\(original) → \(rendering); run `kawaraban glossary apply` to rewrite stored articles"
                    : "\(original) → \(rendering) unchanged")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set every entry of a glossary file as the operator's own.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "A glossary file.") var file: String

        func run() async throws {
            let text = try await CommandFailure.inOwnWords { try String(contentsOfFile: file, encoding: .utf8) }
            try await options.withServices { services in
                let changed = try await CommandFailure.inOwnWords {
                    try await GlossaryMaintenance(store: services.store).importEntries(from: text)
                }
                print("\(changed) entr\(changed == 1 ? "y" : "ies") changed")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the glossary as a file (standard output without FILE).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Where to write it.") var file: String?

        func run() async throws {
            try await options.withServices { services in
                let text = try await CommandFailure.inOwnWords { try await GlossaryMaintenance(store: services.store).export() }
                guard let file else { return print(text, terminator: "") }
                try await CommandFailure.inOwnWords { try text.write(toFile: file, atomically: true, encoding: .utf8) }
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite stored analyses and translations that still use a rendering since changed.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await options.withServices { services in
                let changed = try await CommandFailure.inOwnWords { try await GlossaryMaintenance(store: services.store).apply() }
                print("\(changed) item\(changed == 1 ? "" : "s") rewritten")
            }
        }
    }
}
