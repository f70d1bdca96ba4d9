import Foundation
import KawarabanCore
import LLM

/// The model's judgement on the pairs the matcher leaves open: one call per batch of up to
/// `maximumBatch` pairs on the cheap model (task `.stories`), every pair answered exactly once or
/// the answer is asked again. What the model sees is short: titles, the start of each text, the
/// entities and the dates, all as data.
public struct StoryJudge: Sendable {
    /// Pairs per call: few enough that a small model keeps them apart.
    public static let maximumBatch = 10
    static let maximumTitleCharacters = 200
    /// The start of an article the model reads: the lead, where the event is told.
    static let maximumExcerptCharacters = 400
    static let maximumEntities = 8
    /// A relation is a few tokens; room for a full batch and the JSON around it.
    static let maximumAnswerTokens = 1_000

    let client: ChatClient
    let edition: Edition

    public init(client: ChatClient, edition: Edition) {
        self.client = client
        self.edition = edition
    }

    struct Answer: Decodable, Sendable {
        struct Judgement: Decodable, Sendable {
            var id: Int
            var relation: String
        }
        var relations: [Judgement]
    }

    /// Every pair's relation, in order; more than `maximumBatch` pairs take one call per batch.
    public func relations(of pairs: [StoryPair]) async throws(NewsroomError) -> [StoryRelation] {
        var relations: [StoryRelation] = []
        for start in stride(from: 0, to: pairs.count, by: Self.maximumBatch) {
            relations += try await judge(Array(pairs[start..<min(start + Self.maximumBatch, pairs.count)]))
        }
        return relations
    }

    private struct Payload: Encodable {
        struct Article: Encodable {
            var title: String
            var date: String
            var entities: [String]
            var main_entities: [String]
            var excerpt: String
        }
        struct Pair: Encodable { var id: Int; var earlier: Article; var later: Article }
        var pairs: [Pair]
    }

    private func article(_ evidence: StoryEvidence) -> Payload.Article {
        Payload.Article(
            title: Self.collapsed(evidence.title, limit: Self.maximumTitleCharacters),
            date: edition.isoDateTime(evidence.publishedAt),
            entities: evidence.entities.prefix(Self.maximumEntities).map { Self.collapsed($0, limit: StoryText.maximumEntityNameCharacters) },
            main_entities: evidence.mainEntities.prefix(Self.maximumEntities).map {
                Self.collapsed($0, limit: StoryText.maximumEntityNameCharacters)
            },
            excerpt: Self.collapsed(evidence.text, limit: Self.maximumExcerptCharacters))
    }

    private func judge(_ batch: [StoryPair]) async throws(NewsroomError) -> [StoryRelation] {
        let payload = Payload(pairs: batch.enumerated().map { index, pair in
            Payload.Pair(id: index + 1, earlier: article(pair.earlier), later: article(pair.later))
        })
        let request = ChatRequest(
            task: .stories, messages: [.system(Prompts.stories), .user(Prompts.untrusted(payload))],
            responseSchema: ResponseSchema(name: "stories", schema: Self.schema(count: batch.count)), temperature: 0,
            maximumTokens: Self.maximumAnswerTokens)
        let count = batch.count
        do {
            return try await client.completeJSON(request, as: Answer.self, purpose: "stories") { answer in
                try Self.validate(answer, count: count)
            }.value
        } catch {
            throw .llm(error)
        }
    }

    /// Ids 1...count each answered exactly once with a known relation; the relations in id order.
    static func validate(_ answer: Answer, count: Int) throws -> [StoryRelation] {
        var relations = [StoryRelation?](repeating: nil, count: count)
        for judgement in answer.relations {
            guard (1...count).contains(judgement.id) else {
                throw AnswerRejected("id \(judgement.id) is not one of the pairs; answer only ids 1 to \(count)")
            }
            guard relations[judgement.id - 1] == nil else { throw AnswerRejected("id \(judgement.id) is answered more than once") }
            guard let relation = StoryRelation(rawValue: judgement.relation) else {
                throw AnswerRejected("relation of id \(judgement.id) must be one of \(names), not \(judgement.relation.prefix(40))")
            }
            relations[judgement.id - 1] = relation
        }
        let missing = relations.indices.filter { relations[$0] == nil }.map { String($0 + 1) }
        guard missing.isEmpty else {
            throw AnswerRejected("ids \(missing.joined(separator: ", ")) are not answered; answer every pair once")
        }
        return relations.compactMap { $0 }
    }

    static let names = StoryRelation.allCases.map(\.rawValue).joined(separator: ", ")

    static func collapsed(_ text: String, limit: Int) -> String {
        String(text.prefix(limit * 2).split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ").prefix(limit))
    }

    static func schema(count: Int) -> JSONValue {
        let judgement: JSONValue = .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array(["id", "relation"].map(JSONValue.string)),
            "properties": .object([
                "id": .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(count)]),
                "relation": .object(["type": .string("string"), "enum": .array(StoryRelation.allCases.map { .string($0.rawValue) })]),
            ]),
        ])
        return .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array([.string("relations")]),
            "properties": .object([
                "relations": .object(["type": .string("array"), "minItems": .integer(count), "maxItems": .integer(count),
                                      "items": judgement]),
            ]),
        ])
    }
}
