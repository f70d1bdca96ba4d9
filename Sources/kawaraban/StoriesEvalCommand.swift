import ArgumentParser
import Foundation
import LLM
import Newsroom

/// Runs the story matcher over the labelled pairs and prints how it did: precision and recall of
/// "same story" and "follow-up", the close calls and what became of them, the confusion matrix.
struct StoriesEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure the story matcher on a labelled set of article pairs.",
        discussion: """
            The set is JSON: articles by key (outlet, date, language, title, text, entities with \
            main marked) and pairs (label, earlier, later, heldOut); docs/eval/stories holds the \
            shipped one. Without --model the pairs the matcher leaves open count as unrelated, and \
            the table says how many there were; with --model they go to the configured model \
            (task "stories"), in batches, and every call is made and paid for. Nothing is stored.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The labelled set.") var set = "docs/eval/stories/pairs.json"
    @Flag(help: "Send the close calls to the configured model.") var model = false

    func run() async throws {
        let labelled: StoryLabelledSet
        do {
            labelled = try StoryLabelledSet.decode(Data(contentsOf: URL(fileURLWithPath: set)))
        } catch {
            throw CommandFailure("\(set): not a labelled set of story pairs: \(error)")
        }
        var judge: StoryJudge?
        if model {
            let settings = try options.settings()
            guard let llm = settings.llm else { throw CommandFailure(settings.llmMissingReason ?? "no LLM is configured") }
            judge = StoryJudge(client: ChatClient(routes: llm, logger: options.logger()), edition: settings.edition)
            print("close calls go to \(llm.configuration(for: .stories).model)")
        }
        do {
            print(try await StoryEvaluation.run(labelled, judge: judge).table)
        } catch {
            throw CommandFailure("the model failed on the close calls: \(error)")
        }
    }
}
