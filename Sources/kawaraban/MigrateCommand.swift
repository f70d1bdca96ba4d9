import ArgumentParser
import Pipeline
import Store

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations and say which.",
        discussion: """
            Every other command migrates when it opens the database, unless KAWARABAN_MIGRATE_ON_START=false: \
            then it refuses an outdated schema and this command is the one that migrates.
            """)

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let settings = try options.settings()
        let store = try await Store.open(settings.database, logger: options.logger(), schema: .leaveAsIs)
        do {
            let applied = try await store.migrate()
            print(applied.isEmpty ? "database is up to date (\(settings.database))" :
                "applied migrations \(applied.map(String.init).joined(separator: ", ")) to \(settings.database)")
            let seeded = try await GlossaryMaintenance(store: store).seed(languageCode: settings.edition.languageCode)
            if seeded > 0 { print("glossary: \(seeded) entries from the seed written") }
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
    }
}
