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
/// "text"}`, and `"about_ai": false` for an article triage should turn away (absent: true). The
/// text is paragraphs separated by blank lines; a paragraph starting with "## " is a heading, and
/// `code` in backticks is inline code (which the translator must keep).
public struct EvaluationArticle: Sendable, Decodable {
    public var title: String
    public var source: String
    public var url: String
    public var language: String
    public var text: String
    public var aboutAI: Bool?

    enum CodingKeys: String, CodingKey {
        case title, source, url, language, text
        case aboutAI = "about_ai"
    }

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
    /// Of the glossary's names the article uses, how many the output wrote the glossary's way.
    public var glossaryKept = 0
    public var glossaryChecked = 0
    /// Whether triage's about-AI verdict agreed with the article's `about_ai`; nil for other tasks.
    public var triageAgreed: Bool?

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

    /// A task whose body fills in the outcome; what it throws is the article's failure.
    static func measuring(_ name: String,
                          _ body: @escaping @Sendable (EvaluationArticle, inout EvaluationOutcome) async throws -> Void) -> EvaluationTask {
        EvaluationTask(name: name) { saved in
            var outcome = EvaluationOutcome()
            do {
                try await body(saved, &outcome)
            } catch {
                outcome.failure = "\(error)"
            }
            return outcome
        }
    }

    /// The triage verdict on each article alone (the pipeline sends up to 25 at once).
    public static func triage(_ triager: Triager) -> EvaluationTask {
        measuring("triage") { saved, outcome in
            let candidate = TriageCandidate(id: 1, title: saved.title, summary: saved.article.plainText, sourceName: saved.source)
            let (verdicts, tally) = try await triager.triageCounting([candidate])
            outcome.tally = tally
            outcome.triageAgreed = verdicts[candidate.id].map { $0.aboutAI == (saved.aboutAI ?? true) }
        }
    }

    /// The analysis of each article (from section summaries when it is long), given the glossary's
    /// entries the article names. Glossary figures are the model's own entities, before the
    /// pipeline corrects them: how well it follows the glossary it is shown.
    public static func analysis(_ analyst: Analyst, edition: Edition, glossary: Glossary = .empty) -> EvaluationTask {
        measuring("analysis") { saved, outcome in
            let relevant = glossary.relevant(to: Glossary.texts(of: saved.article))
            let (analysis, tally) = try await analyst.analyseCounting(article: saved.article, sourceName: saved.source,
                                                                      url: saved.url, glossary: relevant)
            outcome.tally = tally
            let renderings = Dictionary(analysis.entities.map { (NameKey.of($0.name), $0.rendering) }) { first, _ in first }
            for entry in relevant.entries {
                guard let rendering = renderings[entry.key] else { continue }
                outcome.glossaryChecked += 1
                if rendering == entry.rendering { outcome.glossaryKept += 1 }
            }
            outcome.registerConsistent = edition.checksRegister ? analysis.qualityNotes == nil : nil
            let text = ([analysis.title, analysis.tldr, analysis.impact, analysis.editorial]
                + analysis.keyPoints.flatMap { [$0.heading, $0.body] }).joined(separator: "\n")
            outcome.targetShare = LanguageCheck.share(of: text, languageCode: edition.languageCode)
        }
    }

    /// The translation of each article's body, the glossary's names masked as in the pipeline.
    public static func translation(_ translator: Translator, edition: Edition, glossary: Glossary = .empty) -> EvaluationTask {
        measuring("translation") { saved, outcome in
            let relevant = glossary.relevant(to: Glossary.texts(of: saved.article))
            let (translation, tally) = try await translator.translateCounting(saved.article.blocks, glossary: relevant)
            outcome.tally = tally
            let text = translation.blocks.map(\.plainText).joined(separator: "\n")
            outcome.glossaryChecked = relevant.entries.count
            outcome.glossaryKept = relevant.entries.filter { text.contains($0.rendering) }.count
            outcome.placeholdersKept = !Masking.containsPlaceholderMarks(translation.blocks)
            outcome.registerConsistent = edition.checksRegister ? translation.qualityNotes == nil : nil
            outcome.targetShare = LanguageCheck.share(of: text, languageCode: edition.languageCode)
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
    public var glossaryKept = 0
    public var glossaryChecked = 0
    public var triageAgreed = 0
    public var triageChecked = 0
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
        glossaryKept += outcome.glossaryKept
        glossaryChecked += outcome.glossaryChecked
        if let agreed = outcome.triageAgreed {
            triageChecked += 1
            if agreed { triageAgreed += 1 }
        }
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
                      "register consistent", "glossary kept", "triage right", "target script", "tokens in/out", "time"]
        let rows = reports.map { report in
            [report.task, "\(report.articles)", "\(report.tally.firstTry)", "\(report.tally.afterReAsk)",
             "\(report.failures.count)", ratio(report.placeholdersKept, report.placeholdersChecked),
             ratio(report.registerConsistent, report.registerChecked), ratio(report.glossaryKept, report.glossaryChecked),
             ratio(report.triageAgreed, report.triageChecked),
             report.meanTargetShare.map { "\(Int(($0 * 100).rounded()))%" } ?? "-",
             "\(report.tally.usage.promptTokens)/\(report.tally.usage.completionTokens)",
             String(format: "%.1f s", report.duration.timeInterval)]
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
