import Foundation
import KawarabanCore
import LLM

/// One new item as triage sees it: a title, the start of the feed's summary as plain text, and
/// the source's name. Nothing is fetched to judge it.
public struct TriageCandidate: Sendable, Hashable {
    public var id: Int64
    public var title: String
    public var summary: String
    public var sourceName: String

    /// Title and summary are cut to the lengths triage reads, with white space collapsed.
    public init(id: Int64, title: String, summary: String, sourceName: String) {
        self.id = id
        self.title = String(Self.collapsed(title).prefix(Triager.maximumTitleCharacters))
        self.summary = String(Self.collapsed(summary).prefix(Triager.maximumSummaryCharacters))
        self.sourceName = String(Self.collapsed(sourceName).prefix(Triager.maximumTitleCharacters))
    }

    /// What a verdict depends on, normalised (case and spacing do not count), so that the same
    /// story arriving again under another URL or from another source is not judged again.
    public var content: String { title.lowercased() + "\n" + summary.lowercased() }

    /// A short key to find `content` by.
    public var contentHash: String { String(FNV1a.hash(content), radix: 16) }

    private static func collapsed(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
    }
}

/// Judges new items in batches before anything is spent on them: is each about AI, and is it
/// worth a reader's time. One call per batch of up to `maximumBatch`; every item must be answered
/// exactly once, by its id, or the answer is asked again.
public struct Triager: Sendable {
    /// Items per call: enough to make a call worth it, few enough for a small model to keep apart.
    public static let maximumBatch = 25
    public static let maximumTitleCharacters = 200
    /// The start of the summary a verdict reads; the rest is the article's business.
    public static let maximumSummaryCharacters = 300
    public static let maximumReasonCharacters = 120
    /// A verdict is a few dozen tokens; room for a full batch and the JSON around it.
    static let maximumAnswerTokens = 4_000

    let client: ChatClient
    let edition: Edition

    public init(client: ChatClient, edition: Edition) {
        self.client = client
        self.edition = edition
    }

    struct Answer: Decodable, Sendable {
        struct Verdict: Decodable, Sendable {
            var id: Int64
            var about_ai: Bool
            /// Read as a number so that a fractional score is refused with a reason the model can act on.
            var worth: Double
            var reason: String
        }
        var verdicts: [Verdict]
    }

    /// A verdict for every candidate, by id; more than `maximumBatch` candidates take one call per batch.
    public func triage(_ candidates: [TriageCandidate]) async throws(NewsroomError) -> [Int64: TriageVerdict] {
        try await triageCounting(candidates).verdicts
    }

    /// `triage`, with how its answers went (for `kawaraban eval`).
    public func triageCounting(_ candidates: [TriageCandidate])
        async throws(NewsroomError) -> (verdicts: [Int64: TriageVerdict], tally: AnswerTally) {
        var verdicts: [Int64: TriageVerdict] = [:]
        var tally = AnswerTally()
        for start in stride(from: 0, to: candidates.count, by: Self.maximumBatch) {
            let batch = Array(candidates[start..<min(start + Self.maximumBatch, candidates.count)])
            let answer = try await triageBatch(batch)
            tally.add(answer)
            verdicts.merge(answer.value) { first, _ in first }
        }
        return (verdicts, tally)
    }

    private struct Payload: Encodable {
        struct Entry: Encodable { var id: Int64; var source: String; var title: String; var summary: String }
        var items: [Entry]
    }

    private func triageBatch(_ batch: [TriageCandidate]) async throws(NewsroomError) -> StructuredAnswer<[Int64: TriageVerdict]> {
        let payload = Payload(items: batch.map { .init(id: $0.id, source: $0.sourceName, title: $0.title, summary: $0.summary) })
        let request = ChatRequest(
            task: .triage, messages: [.system(Prompts.triage(edition: edition)), .user(Prompts.untrusted(payload))],
            responseSchema: ResponseSchema(name: "triage", schema: Self.schema(count: batch.count)), temperature: 0,
            maximumTokens: Self.maximumAnswerTokens)
        let ids = batch.map(\.id)
        do {
            return try await client.completeJSON(request, as: Answer.self, purpose: "triage") { answer in
                try Self.validate(answer, ids: ids)
            }
        } catch {
            throw .llm(error)
        }
    }

    /// Every id asked about answered exactly once, none other; whole scores from 1 to 5; a reason
    /// present and short (white space collapsed to one line).
    static func validate(_ answer: Answer, ids: [Int64]) throws -> [Int64: TriageVerdict] {
        let asked = Set(ids)
        var verdicts: [Int64: TriageVerdict] = [:]
        for verdict in answer.verdicts {
            guard asked.contains(verdict.id) else {
                throw AnswerRejected("id \(verdict.id) is not one of the items; answer only the ids given")
            }
            guard verdicts[verdict.id] == nil else { throw AnswerRejected("id \(verdict.id) is answered more than once") }
            guard let worth = Int(exactly: verdict.worth), TriageVerdict.worthRange.contains(worth) else {
                throw AnswerRejected("worth of id \(verdict.id) must be a whole number from 1 to 5, not \(verdict.worth)")
            }
            let reason = verdict.reason.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
            guard !reason.isEmpty else { throw AnswerRejected("reason of id \(verdict.id) is empty") }
            guard reason.count <= maximumReasonCharacters else {
                throw AnswerRejected("reason of id \(verdict.id) is \(reason.count) characters long; write at most \(maximumReasonCharacters)")
            }
            verdicts[verdict.id] = TriageVerdict(aboutAI: verdict.about_ai, worth: worth, reason: reason)
        }
        let missing = ids.filter { verdicts[$0] == nil }
        guard missing.isEmpty else {
            throw AnswerRejected("ids \(missing.map(String.init).joined(separator: ", ")) are not answered; answer every item once")
        }
        return verdicts
    }

    static func schema(count: Int) -> JSONValue {
        let verdict: JSONValue = .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array(["id", "about_ai", "worth", "reason"].map(JSONValue.string)),
            "properties": .object([
                "id": .object(["type": .string("integer")]),
                "about_ai": .object(["type": .string("boolean")]),
                "worth": .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(5)]),
                "reason": .object(["type": .string("string"), "description": .string("one line"),
                                   "maxLength": .integer(maximumReasonCharacters)]),
            ]),
        ])
        return .object([
            "type": .string("object"), "additionalProperties": .bool(false),
            "required": .array([.string("verdicts")]),
            "properties": .object([
                "verdicts": .object(["type": .string("array"), "minItems": .integer(count), "maxItems": .integer(count),
                                     "items": verdict]),
            ]),
        ])
    }
}
