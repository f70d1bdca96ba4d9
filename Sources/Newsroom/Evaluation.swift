import Foundation
import KawarabanCore
import LLM

/// How the structured answers of one piece of work went.
public struct AnswerTally: Sendable, Hashable {
    public var firstTry = 0
    public var afterReAsk = 0
    public var usage = TokenUsage()

    public init() {}

    mutating func add<Value>(_ answer: StructuredAnswer<Value>) {
        if answer.attempts == 1 { firstTry += 1 } else { afterReAsk += 1 }
        usage = usage + answer.usage
    }

    static func + (lhs: AnswerTally, rhs: AnswerTally) -> AnswerTally {
        var sum = lhs
        sum.firstTry += rhs.firstTry
        sum.afterReAsk += rhs.afterReAsk
        sum.usage = sum.usage + rhs.usage
        return sum
    }
}

/// A saved article for `kawaraban eval`: one JSON file, `{"title", "source", "url", "language",
/// "text"}`. The text is paragraphs separated by blank lines; a paragraph starting with "## " is
/// a heading, and `code` in backticks is inline code (which the translator must keep).
public struct EvaluationArticle: Sendable, Decodable {
    public var title: String
    public var source: String
    public var url: String
    public var language: String
    public var text: String

    public var article: Article {
        let paragraphs = text.components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        return Article(title: title, blocks: paragraphs.map { paragraph in
            paragraph.hasPrefix("## ")
                ? .heading(level: 2, Self.inlines(String(paragraph.dropFirst(3))))
                : .paragraph(Self.inlines(paragraph))
        })
    }

    /// Text with `code` spans: the odd pieces between backticks are code.
    static func inlines(_ text: String) -> [Inline] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().compactMap { index, piece in
            guard !piece.isEmpty else { return nil }
            return index % 2 == 1 ? .code(String(piece)) : .text(String(piece))
        }
    }
}

/// What one task made of one article.
public struct EvaluationOutcome: Sendable {
    public var tally = AnswerTally()
    /// Why the task produced nothing; nil when it did.
    public var failure: String?
    /// Whether every placeholder came back; nil when the task has none.
    public var placeholdersKept: Bool?
    /// Whether the output kept to the edition's registers; nil when they are not checked.
    public var registerConsistent: Bool?
    /// The share of the output's letters in the edition's script; nil when not measured.
    public var targetShare: Double?

    public init() {}
}

/// One editorial task as `kawaraban eval` runs it. Adding a task is writing one of these.
public struct EvaluationTask: Sendable {
    public var name: String
    public var run: @Sendable (EvaluationArticle) async -> EvaluationOutcome

    public init(name: String, run: @escaping @Sendable (EvaluationArticle) async -> EvaluationOutcome) {
        self.name = name
        self.run = run
    }

    /// The analysis of each article (from section summaries when it is long).
    public static func analysis(_ analyst: Analyst, edition: Edition) -> EvaluationTask {
        EvaluationTask(name: "analysis") { saved in
            var outcome = EvaluationOutcome()
            do {
                let (analysis, tally) = try await analyst.analyseCounting(article: saved.article, sourceName: saved.source,
                                                                          url: saved.url)
                outcome.tally = tally
                outcome.registerConsistent = edition.checksRegister ? analysis.qualityNotes == nil : nil
                let text = ([analysis.title, analysis.tldr, analysis.impact, analysis.editorial]
                    + analysis.keyPoints.flatMap { [$0.heading, $0.body] }).joined(separator: "\n")
                outcome.targetShare = LanguageCheck.share(of: text, languageCode: edition.languageCode)
            } catch {
                outcome.failure = "\(error)"
            }
            return outcome
        }
    }

    /// The translation of each article's body.
    public static func translation(_ translator: Translator, edition: Edition) -> EvaluationTask {
        EvaluationTask(name: "translation") { saved in
            var outcome = EvaluationOutcome()
            do {
                let (translation, tally) = try await translator.translateCounting(saved.article.blocks)
                outcome.tally = tally
                outcome.placeholdersKept = !Masking.containsPlaceholderMarks(translation.blocks)
                outcome.registerConsistent = edition.checksRegister ? translation.qualityNotes == nil : nil
                outcome.targetShare = LanguageCheck.share(of: translation.blocks.map(\.plainText).joined(separator: "\n"),
                                                          languageCode: edition.languageCode)
            } catch {
                outcome.failure = "\(error)"
            }
            return outcome
        }
    }
}

/// The figures of one task over a folder of articles.
public struct EvaluationReport: Sendable {
    public var task: String
    public var articles = 0
    public var tally = AnswerTally()
    /// Article name and reason of every failure.
    public var failures: [(article: String, reason: String)] = []
    public var placeholdersKept = 0
    public var placeholdersChecked = 0
    public var registerConsistent = 0
    public var registerChecked = 0
    public var targetShares: [Double] = []
    public var duration = Duration.zero

    public init(task: String) { self.task = task }

    mutating func add(_ outcome: EvaluationOutcome, article: String) {
        articles += 1
        tally = tally + outcome.tally
        if let failure = outcome.failure { failures.append((article, failure)) }
        if let kept = outcome.placeholdersKept {
            placeholdersChecked += 1
            if kept { placeholdersKept += 1 }
        }
        if let consistent = outcome.registerConsistent {
            registerChecked += 1
            if consistent { registerConsistent += 1 }
        }
        if let share = outcome.targetShare { targetShares.append(share) }
    }

    /// The mean share of the edition's script over the articles it was measured on.
    public var meanTargetShare: Double? {
        targetShares.isEmpty ? nil : targetShares.reduce(0, +) / Double(targetShares.count)
    }

    /// Runs `task` on every article in order, one at a time, as the worker would.
    public static func run(_ task: EvaluationTask, on articles: [(name: String, article: EvaluationArticle)],
                           clock: ContinuousClock = ContinuousClock()) async -> EvaluationReport {
        var report = EvaluationReport(task: task.name)
        let started = clock.now
        for (name, article) in articles {
            report.add(await task.run(article), article: name)
        }
        report.duration = clock.now - started
        return report
    }

    /// The reports as a table an operator can read, then every failure with its reason.
    public static func table(_ reports: [EvaluationReport]) -> String {
        func ratio(_ part: Int, _ whole: Int) -> String { whole == 0 ? "-" : "\(part)/\(whole)" }
        let header = ["task", "articles", "first try", "after re-ask", "failed", "placeholders kept",
                      "register consistent", "target script", "tokens in/out", "time"]
        let rows = reports.map { report in
            [report.task, "\(report.articles)", "\(report.tally.firstTry)", "\(report.tally.afterReAsk)",
             "\(report.failures.count)", ratio(report.placeholdersKept, report.placeholdersChecked),
             ratio(report.registerConsistent, report.registerChecked),
             report.meanTargetShare.map { "\(Int(($0 * 100).rounded()))%" } ?? "-",
             "\(report.tally.usage.promptTokens)/\(report.tally.usage.completionTokens)",
             String(format: "%.1f s", Double(report.duration.components.seconds)
                 + Double(report.duration.components.attoseconds) / 1e18)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        var lines = [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
        for report in reports {
            for failure in report.failures { lines.append("\(report.task) failed on \(failure.article): \(failure.reason)") }
        }
        return lines.joined(separator: "\n")
    }
}
