import Foundation
import KawarabanCore
import LLM

/// Writes the editorial analysis of one article in the edition's language: title, TL;DR, three
/// key points, impact, editorial comment, tags and the four axis scores. Importance is never
/// asked of the model; it is computed from the scores.
public struct Analyst: Sendable {
    /// Article text beyond this is cut: enough for the analysis, bounded in cost.
    public static let maximumArticleCharacters = 12_000
    public static let keyPointCount = 3
    public static let maximumTags = 6
    /// Room for the answer: the analysis is a few hundred words.
    public static let maximumAnswerTokens = 2_000

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
        var scores: Scores
    }

    public func analyse(article: Article, sourceName: String, url: String) async throws(NewsroomError) -> Analysis {
        let text = article.plainText
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .emptyArticle }
        let request = ChatRequest(
            messages: [.system(Prompts.analysis(edition: edition)),
                       .user(Prompts.untrusted(["source": sourceName, "url": url, "title": article.title,
                                                "text": String(text.prefix(Self.maximumArticleCharacters))]))],
            responseSchema: ResponseSchema(name: "analysis", schema: Self.schema), temperature: 0.3,
            maximumTokens: Self.maximumAnswerTokens)
        let languageCode = edition.languageCode
        do {
            let answer = try await client.completeJSON(request, as: Answer.self, purpose: "analysis") { answer in
                try Self.validate(answer, languageCode: languageCode)
            }
            var analysis = answer.value
            if analysis.scores != analysis.scores.clamped {
                // Worth a note, not a re-ask: the model's judgement stands, only the scale is forced.
                client.logger.notice("analysis scores out of 1...5 were clamped", metadata: [
                    "url": "\(url)", "scores": "\(analysis.scores)",
                ])
                analysis.scores = analysis.scores.clamped
            }
            analysis.analysedAt = now()
            analysis.model = answer.model
            return analysis
        } catch {
            throw .llm(error)
        }
    }

    static func validate(_ answer: Answer, languageCode: String) throws -> Analysis {
        func checked(_ field: String, _ value: String) throws -> String {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw AnswerRejected("\(field) is empty") }
            if let problem = LanguageCheck.problem(in: trimmed, languageCode: languageCode) {
                throw AnswerRejected("\(field) must be written in the target language, but \(problem)")
            }
            return trimmed
        }
        guard answer.key_points.count == keyPointCount else {
            throw AnswerRejected("key_points must have exactly \(keyPointCount) entries, not \(answer.key_points.count)")
        }
        let points = try answer.key_points.enumerated().map { index, point in
            KeyPoint(heading: try checked("key_points[\(index)].heading", point.heading),
                     body: try checked("key_points[\(index)].body", point.body))
        }
        var tags: [String] = []
        for tag in answer.tags {
            let cleaned = tag.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "#＃")))
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
        return Analysis(
            title: try checked("title", answer.title), tldr: try checked("tldr", answer.tldr), keyPoints: points,
            impact: try checked("impact", answer.impact), editorial: try checked("editorial", answer.editorial),
            tags: Array(tags.prefix(maximumTags)), scores: scores, analysedAt: Date(timeIntervalSince1970: 0),
            model: "")
    }

    static let schema: JSONValue = {
        func string(_ description: String) -> JSONValue {
            .object(["type": .string("string"), "description": .string(description)])
        }
        let score: JSONValue = .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(5)])
        let point: JSONValue = .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array([.string("heading"), .string("body")]),
            "properties": .object(["heading": string("a short heading"), "body": string("one or two sentences")]),
        ])
        return .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array(["title", "tldr", "key_points", "impact", "editorial", "tags", "scores"].map(JSONValue.string)),
            "properties": .object([
                "title": string("the headline in the target language"),
                "tldr": string("one or two sentences"),
                "key_points": .object(["type": .string("array"), "minItems": .integer(keyPointCount),
                                       "maxItems": .integer(keyPointCount), "items": point]),
                "impact": string("one paragraph of impact analysis"),
                "editorial": string("one paragraph of editorial comment"),
                "tags": .object(["type": .string("array"), "minItems": .integer(1), "maxItems": .integer(maximumTags),
                                 "items": .object(["type": .string("string")])]),
                "scores": .object([
                    "type": .string("object"), "additionalProperties": .bool(false),
                    "required": .array(["depth", "relevance", "practicality", "novelty"].map(JSONValue.string)),
                    "properties": .object(["depth": score, "relevance": score, "practicality": score, "novelty": score]),
                ]),
            ]),
        ])
    }()
}
