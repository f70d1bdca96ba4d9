import Foundation
import KawarabanCore
import LLM

/// Writes the editorial analysis of one article in the edition's language: title, TL;DR, three
/// key points, impact, editorial comment, tags and the four axis scores. Importance is never
/// asked of the model; it is computed from the scores.
public struct Analyst: Sendable {
    /// The longest text analysed in one call: enough for the analysis, bounded in cost. A longer
    /// article is analysed from summaries of sections of at most this size.
    public static let maximumArticleCharacters = 12_000
    public static let keyPointCount = 3
    public static let maximumTags = 6
    /// Room for the answer: the analysis is a few hundred words.
    public static let maximumAnswerTokens = 2_000
    /// The longest each field may be, in characters. An answer over a limit is not cut but asked
    /// again with the limit named, like any other invalid answer: a cut sentence would be
    /// published as written, and an article that talks the model into an essay fails visibly.
    public static let maximumTitleCharacters = 100
    public static let maximumTLDRCharacters = 300
    public static let maximumHeadingCharacters = 60
    public static let maximumPointCharacters = 300
    public static let maximumImpactCharacters = 1_000
    public static let maximumEditorialCharacters = 1_000
    public static let maximumTagCharacters = 40
    /// Entities an analysis names at most, and how long a name or rendering may be.
    public static let maximumEntities = 12
    public static let maximumEntityNameCharacters = 80
    /// No axis of an item that tries to steer the model scores above this, so its importance,
    /// a weighted mean of the axes, cannot either.
    public static let suspiciousScoreCap = 3

    let client: ChatClient
    let edition: Edition
    let now: @Sendable () -> Date

    public init(client: ChatClient, edition: Edition, now: @escaping @Sendable () -> Date = Date.init) {
        self.client = client
        self.edition = edition
        self.now = now
    }

    struct Answer: Decodable, Sendable {
        struct Point: Decodable, Sendable { var heading: String; var body: String }
        /// Read as numbers so that a fractional score is refused with a reason the model can act on.
        struct Scores: Decodable, Sendable { var depth: Double; var relevance: Double; var practicality: Double; var novelty: Double }
        var title: String
        var tldr: String
        var key_points: [Point]
        var impact: String
        var editorial: String
        var tags: [String]
        /// Absent in an answer that names none; the schema asks for it.
        var entities: [EntityAnswer]?
        var scores: Scores
    }

    /// Read as text so that an unknown kind is refused with the list of kinds.
    struct EntityAnswer: Decodable, Sendable { var name: String; var kind: String; var rendering: String; var main: Bool }

    /// The analysis of `article`. With `suspicion` (what `InjectionDetector` found in it), the
    /// model is warned, and the scores are capped whatever it answers. The glossary's entries are
    /// given to the model; `Glossary.settle` makes the answer keep to them. An article longer than
    /// `maximumArticleCharacters` is analysed from summaries of its sections (see `sections(of:)`),
    /// one call each before the analysis call, so that its end counts as much as its start. The URL
    /// is only logged, never sent: the answer depends on the text alone, so the same article under
    /// another URL is the same request, answered from the cache.
    public func analyse(article: Article, sourceName: String, url: String, glossary: Glossary = .empty,
                        suspicion: [InjectionEvidence] = []) async throws(NewsroomError) -> Analysis {
        try await analyseCounting(article: article, sourceName: sourceName, url: url, glossary: glossary,
                                  suspicion: suspicion).analysis
    }

    /// `analyse`, with how its answers went (for `kawaraban eval`).
    public func analyseCounting(article: Article, sourceName: String, url: String, glossary: Glossary = .empty,
                                suspicion: [InjectionEvidence] = [])
        async throws(NewsroomError) -> (analysis: Analysis, tally: AnswerTally) {
        let text = article.plainText
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .emptyArticle }
        var tally = AnswerTally()
        let summarised = text.count > Self.maximumArticleCharacters
        let analysedText = summarised
            ? try await summaries(of: article, url: url, tally: &tally).joined(separator: "\n\n") : text
        let request = ChatRequest(
            task: .analysis, messages: [.system(Prompts.analysis(edition: edition, suspicious: !suspicion.isEmpty,
                                                                 fromSectionSummaries: summarised)
                                                + Prompts.entities(edition: edition) + Prompts.glossaryNote(glossary)),
                       .user(Prompts.untrusted(["source": sourceName, "title": article.title,
                                                "text": analysedText]))],
            responseSchema: ResponseSchema(name: "analysis", schema: Self.schema), temperature: 0.3,
            maximumTokens: Self.maximumAnswerTokens)
        let edition = self.edition
        do {
            let answer = try await client.completeJSON(request, as: Answer.self, purpose: "analysis") { answer in
                try Self.validate(answer, edition: edition)
            }
            var analysis = answer.value
            if analysis.scores != analysis.scores.clamped {
                // Worth a note, not a re-ask: the model's judgement stands, only the scale is forced.
                client.logger.notice("analysis scores out of 1...5 were clamped", metadata: [
                    "url": "\(url)", "scores": "\(analysis.scores)",
                ])
                analysis.scores = analysis.scores.clamped
            }
            if !suspicion.isEmpty {
                analysis.scores = analysis.scores.clamped(to: AxisScores.range.lowerBound...Self.suspiciousScoreCap)
            }
            analysis.analysedAt = now()
            analysis.model = answer.model
            analysis.qualityNotes = answer.qualityNotes.isEmpty ? nil : answer.qualityNotes
            tally.add(answer)
            return (analysis, tally)
        } catch {
            throw .llm(error)
        }
    }

    // MARK: Long articles

    /// Sections a long article is summarised in, at most: with `maximumArticleCharacters` each,
    /// about 100,000 characters, a long report. Beyond that the sections in the middle are left
    /// out, never the last one, which holds the conclusion.
    public static let maximumSections = 8
    /// The longest a section summary may be: the summaries of every section together fit in
    /// one analysis prompt of about `maximumArticleCharacters`.
    public static let maximumSummaryCharacters = 1_200
    static let maximumSummaryTokens = 1_000

    struct SectionSummary: Decodable, Sendable { var summary: String }

    /// The article's text in sections of at most `maximumArticleCharacters`, split between blocks
    /// (a block longer than that alone is cut into pieces), in order, at most `maximumSections`.
    static func sections(of article: Article) -> [String] {
        var sections: [String] = []
        var current = ""
        func close() {
            if !current.isEmpty { sections.append(current) }
            current = ""
        }
        for block in article.blocks {
            var text = block.plainText
            if !current.isEmpty && current.count + 1 + text.count > maximumArticleCharacters { close() }
            while text.count > maximumArticleCharacters {
                close()
                sections.append(String(text.prefix(maximumArticleCharacters)))
                text = String(text.dropFirst(maximumArticleCharacters))
            }
            current += current.isEmpty ? text : "\n" + text
        }
        close()
        guard sections.count > maximumSections else { return sections }
        return Array(sections.prefix(maximumSections - 1)) + [sections[sections.count - 1]]
    }

    /// One summary per section, each from a call of its own, labelled with its place.
    private func summaries(of article: Article, url: String, tally: inout AnswerTally) async throws(NewsroomError) -> [String] {
        let sections = Self.sections(of: article)
        var summaries: [String] = []
        for (index, section) in sections.enumerated() {
            let place = "section \(index + 1) of \(sections.count)"
            let request = ChatRequest(
                task: .analysis,
                messages: [.system(Prompts.sectionSummary(place: place)),
                           .user(Prompts.untrusted(["title": article.title, "text": section]))],
                responseSchema: ResponseSchema(name: "section_summary", schema: Self.summarySchema), temperature: 0.2,
                maximumTokens: Self.maximumSummaryTokens)
            do {
                let answer = try await client.completeJSON(request, as: SectionSummary.self, purpose: "section summary") { answer in
                    try Self.validate(answer)
                }
                summaries.append("[\(place)] \(answer.value)")
                tally.add(answer)
            } catch {
                throw .llm(error)
            }
        }
        client.logger.info("long article analysed from section summaries", metadata: [
            "url": "\(url)", "sections": "\(sections.count)", "characters": "\(article.plainText.count)",
        ])
        return summaries
    }

    static func validate(_ answer: SectionSummary) throws -> String {
        let summary = answer.summary.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !summary.isEmpty else { throw AnswerRejected("summary is empty") }
        guard summary.count <= maximumSummaryCharacters else {
            throw AnswerRejected("summary is \(summary.count) characters long; write at most \(maximumSummaryCharacters)")
        }
        return summary
    }

    static let summarySchema: JSONValue = .object([
        "type": .string("object"), "additionalProperties": .bool(false), "required": .array([.string("summary")]),
        "properties": .object(["summary": .object([
            "type": .string("string"), "description": .string("the section's facts, figures, names and claims"),
            "maxLength": .integer(maximumSummaryCharacters),
        ])]),
    ])

    // MARK: Validation

    /// The analysis in `answer`, or why it is refused. A text field that leaves the register the
    /// edition's style gives it is not refused but flawed (`AnswerFlaw`): asked again once, then
    /// accepted with a note. Key point headings are headings: they have no register.
    static func validate(_ answer: Answer, edition: Edition) throws -> Analysis {
        let languageCode = edition.languageCode
        func checked(_ field: String, _ value: String, maximum: Int) throws -> String {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw AnswerRejected("\(field) is empty") }
            guard trimmed.count <= maximum else {
                throw AnswerRejected("\(field) is \(trimmed.count) characters long; write at most \(maximum)")
            }
            if let problem = LanguageCheck.problem(in: trimmed, languageCode: languageCode) {
                throw AnswerRejected("\(field) must be written in the target language, but \(problem)")
            }
            return trimmed
        }
        guard answer.key_points.count == keyPointCount else {
            throw AnswerRejected("key_points must have exactly \(keyPointCount) entries, not \(answer.key_points.count)")
        }
        let points = try answer.key_points.enumerated().map { index, point in
            KeyPoint(heading: try checked("key_points[\(index)].heading", point.heading, maximum: maximumHeadingCharacters),
                     body: try checked("key_points[\(index)].body", point.body, maximum: maximumPointCharacters))
        }
        var tags: [String] = []
        for tag in answer.tags {
            let cleaned = tag.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "#＃")))
            guard cleaned.count <= maximumTagCharacters else {
                throw AnswerRejected("the tag \"\(cleaned.prefix(maximumTagCharacters))…\" is too long; a tag has at most \(maximumTagCharacters) characters")
            }
            if !cleaned.isEmpty && !tags.contains(cleaned) { tags.append(cleaned) }
        }
        guard !tags.isEmpty else { throw AnswerRejected("tags is empty") }
        func whole(_ axis: String, _ value: Double) throws -> Int {
            guard let integer = Int(exactly: value) else {
                throw AnswerRejected("scores.\(axis) must be a whole number from 1 to 5, not \(value)")
            }
            return integer
        }
        let scores = AxisScores(
            depth: try whole("depth", answer.scores.depth), relevance: try whole("relevance", answer.scores.relevance),
            practicality: try whole("practicality", answer.scores.practicality),
            novelty: try whole("novelty", answer.scores.novelty))
        let analysis = Analysis(
            title: try checked("title", answer.title, maximum: maximumTitleCharacters),
            tldr: try checked("tldr", answer.tldr, maximum: maximumTLDRCharacters), keyPoints: points,
            impact: try checked("impact", answer.impact, maximum: maximumImpactCharacters),
            editorial: try checked("editorial", answer.editorial, maximum: maximumEditorialCharacters),
            tags: Array(tags.prefix(maximumTags)), entities: try validEntities(answer.entities ?? []), scores: scores,
            analysedAt: Date(timeIntervalSince1970: 0),
            model: "")
        if let reason = registerProblem(in: analysis, style: edition.style, checked: edition.checksRegister) {
            throw AnswerFlaw(value: analysis, reason: reason)
        }
        return analysis
    }

    /// Every field that leaves its register, with the sentences that do; nil when none does.
    static func registerProblem(in analysis: Analysis, style: EditorialStyle, checked: Bool) -> String? {
        guard checked else { return nil }
        let fields: [(String, String, Register)] = [("tldr", analysis.tldr, style.body)]
            + analysis.keyPoints.enumerated().map { ("key_points[\($0.offset)].body", $0.element.body, style.body) }
            + [("impact", analysis.impact, style.commentary), ("editorial", analysis.editorial, style.commentary)]
        let problems = fields.compactMap { field, text, register in
            RegisterCheck.problem(in: text, expected: register).map { "\(field): \($0)" }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// The entities, each a short name of a known kind, none twice.
    static func validEntities(_ answers: [EntityAnswer]) throws -> [Entity] {
        guard answers.count <= maximumEntities else {
            throw AnswerRejected("entities has \(answers.count) entries; name at most \(maximumEntities)")
        }
        var seen: Set<String> = []
        return try answers.enumerated().map { index, answer in
            let name = answer.name.trimmingCharacters(in: .whitespacesAndNewlines)
            let rendering = answer.rendering.trimmingCharacters(in: .whitespacesAndNewlines)
            if let problem = GlossaryFile.problem(original: name, rendering: rendering) {
                throw AnswerRejected("entities[\(index)]: \(problem)")
            }
            for (field, value) in [("name", name), ("rendering", rendering)] where value.count > maximumEntityNameCharacters {
                throw AnswerRejected("entities[\(index)].\(field) is \(value.count) characters long; write at most \(maximumEntityNameCharacters)")
            }
            guard let kind = EntityKind(rawValue: answer.kind) else {
                throw AnswerRejected("entities[\(index)].kind must be one of \(EntityKind.names)")
            }
            guard seen.insert(NameKey.of(name)).inserted else {
                throw AnswerRejected("entities names \(name) twice; name each entity once")
            }
            return Entity(name: name, kind: kind, rendering: rendering, main: answer.main)
        }
    }

    static let schema: JSONValue = {
        func string(_ description: String, maximum: Int) -> JSONValue {
            .object(["type": .string("string"), "description": .string(description), "maxLength": .integer(maximum)])
        }
        let score: JSONValue = .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(5)])
        let point: JSONValue = .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array([.string("heading"), .string("body")]),
            "properties": .object(["heading": string("a short heading", maximum: maximumHeadingCharacters),
                                   "body": string("one or two sentences", maximum: maximumPointCharacters)]),
        ])
        let entity: JSONValue = .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array(["name", "kind", "rendering", "main"].map(JSONValue.string)),
            "properties": .object([
                "name": string("the name as the article spells it", maximum: maximumEntityNameCharacters),
                "kind": .object(["type": .string("string"), "enum": .array(EntityKind.allCases.map { .string($0.rawValue) })]),
                "rendering": string("the name as written in the target language", maximum: maximumEntityNameCharacters),
                "main": .object(["type": .string("boolean")]),
            ]),
        ])
        return .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array(["title", "tldr", "key_points", "impact", "editorial", "tags", "entities", "scores"].map(JSONValue.string)),
            "properties": .object([
                "title": string("the headline in the target language", maximum: maximumTitleCharacters),
                "tldr": string("one or two sentences", maximum: maximumTLDRCharacters),
                "key_points": .object(["type": .string("array"), "minItems": .integer(keyPointCount),
                                       "maxItems": .integer(keyPointCount), "items": point]),
                "impact": string("one paragraph of impact analysis", maximum: maximumImpactCharacters),
                "editorial": string("one paragraph of editorial comment", maximum: maximumEditorialCharacters),
                "tags": .object(["type": .string("array"), "minItems": .integer(1), "maxItems": .integer(maximumTags),
                                 "items": .object(["type": .string("string"), "maxLength": .integer(maximumTagCharacters)])]),
                "entities": .object(["type": .string("array"), "maxItems": .integer(maximumEntities), "items": entity]),
                "scores": .object([
                    "type": .string("object"), "additionalProperties": .bool(false),
                    "required": .array(["depth", "relevance", "practicality", "novelty"].map(JSONValue.string)),
                    "properties": .object(["depth": score, "relevance": score, "practicality": score, "novelty": score]),
                ]),
            ]),
        ])
    }()
}
