import ArgumentParser
import Foundation
import LLM
import Newsroom

/// Runs the newsroom's tasks on a folder of saved articles against the configured model, with no
/// database, and prints how the model did: the figures an operator chooses a model by.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run triage, analysis and translation on a folder of saved articles and print how the configured model did.",
        discussion: """
            DIR holds one JSON file per article: {"title", "source", "url", "language", "text"} and, for one \
            triage should turn away, "about_ai": false; the text \
            in paragraphs separated by blank lines ("## " starts a heading, `backticks` mark code). \
            docs/eval is a sample. Nothing is stored; every call is made and paid for.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "A folder of saved articles (*.json).") var directory: String

    func run() async throws {
        let settings = try options.settings()
        guard let llm = settings.llm else { throw CommandFailure(settings.llmMissingReason ?? "no LLM is configured") }
        let articles = try Self.articles(in: URL(fileURLWithPath: directory))
        let client = ChatClient(routes: llm, logger: options.logger())
        let edition = settings.edition
        // The shipped glossary: eval opens no database, so an operator's own entries are not in it.
        let glossary = Glossary(try GlossaryFile.seed(languageCode: edition.languageCode))
        let tasks = [
            EvaluationTask.triage(Triager(client: client, edition: edition)),
            EvaluationTask.analysis(Analyst(client: client, edition: edition), edition: edition, glossary: glossary),
            EvaluationTask.translation(Translator(client: client, edition: edition,
                                                  maximumCharacters: settings.translationMaximumCharacters),
                                       edition: edition, glossary: glossary),
        ]
        var reports: [EvaluationReport] = []
        for task in tasks { reports.append(await EvaluationReport.run(task, on: articles)) }
        let models = [LLMTask.triage, .analysis, .translation].map { "\($0.rawValue) \(llm.configuration(for: $0).model)" }
        print("\(articles.count) articles from \(directory), models: \(models.joined(separator: ", ")), edition \(edition.languageCode)")
        print(EvaluationReport.table(reports))
    }

    /// Every *.json file of the folder, by name; a file that does not read as an article stops the
    /// run with its name, since figures over a silently smaller set would mislead.
    static func articles(in folder: URL) throws -> [(name: String, article: EvaluationArticle)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw CommandFailure("\(folder.path): cannot list the folder: \(error.localizedDescription)")
        }
        guard !names.isEmpty else { throw CommandFailure("\(folder.path): no *.json articles") }
        return try names.map { name in
            do {
                let data = try Data(contentsOf: folder.appendingPathComponent(name))
                return (name, try JSONDecoder().decode(EvaluationArticle.self, from: data))
            } catch {
                throw CommandFailure("\(name): not a saved article (title, source, url, language, text): \(error)")
            }
        }
    }
}
