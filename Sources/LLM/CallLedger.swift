import Crypto
import Foundation

/// How one HTTP attempt (or a cache hit standing in for one) ended.
public enum CallOutcome: Sendable, Hashable {
    /// An answer that was used: valid, or not checked by the caller.
    case answered
    /// The model answered, but the answer did not decode or validate.
    case invalidAnswer
    case http(status: Int)
    /// No answer: the connection failed, timed out, or the response could not be read.
    case transport
    case cancelled
    /// Answered from the cache; nothing was sent.
    case cached

    /// The stored form: `answered`, `invalid_answer`, `http 429`, `transport`, `cancelled`, `cached`.
    public var storedValue: String {
        switch self {
        case .answered: return "answered"
        case .invalidAnswer: return "invalid_answer"
        case .http(let status): return "http \(status)"
        case .transport: return "transport"
        case .cancelled: return "cancelled"
        case .cached: return "cached"
        }
    }
}

/// One model call as the ledger keeps it.
public struct CallRecord: Sendable, Hashable {
    public var task: LLMTask
    public var model: String
    /// The queue item the call worked for, when there is one (`LLMCallContext.itemID`).
    public var itemID: Int64?
    public var usage: TokenUsage
    public var duration: Duration
    public var outcome: CallOutcome
    public var startedAt: Date

    public init(task: LLMTask, model: String, itemID: Int64?, usage: TokenUsage, duration: Duration,
                outcome: CallOutcome, startedAt: Date) {
        self.task = task
        self.model = model
        self.itemID = itemID
        self.usage = usage
        self.duration = duration
        self.outcome = outcome
        self.startedAt = startedAt
    }
}

/// Where a `ChatClient` reports every call, asks whether the day's token budget allows another,
/// and keeps answers it need not pay for twice. Implemented over the store by the pipeline, so
/// that every process counts against one budget and shares one cache.
public protocol CallLedger: Sendable {
    func record(_ call: CallRecord) async
    /// When calls may resume, if the day's budget is spent at `now`; nil while calls may be made.
    func budgetExhausted(at now: Date) async -> Date?
    func cachedAnswer(for key: AnswerKey) async -> String?
    func storeAnswer(_ content: String, for key: AnswerKey) async
}

/// What the calls made inside a task are for. The worker sets the item around a step, so that
/// the analyst and translator need not pass it down to every call.
public enum LLMCallContext {
    @TaskLocal public static var itemID: Int64?
}

/// The identity of an answer worth keeping: the same kind of request, to the same model, under
/// the same instructions, about the same content, gets the same answer. The instructions (system
/// messages and schema) make the prompt version, so that changing a prompt retires its answers
/// without a version number anyone must remember to bump.
public struct AnswerKey: Sendable, Hashable {
    /// The task, or a finer kind of answer within it (`translation.segment`).
    public var kind: String
    public var model: String
    public var promptVersion: String
    public var contentHash: String

    public init(kind: String, model: String, promptVersion: String, contentHash: String) {
        self.kind = kind
        self.model = model
        self.promptVersion = promptVersion
        self.contentHash = contentHash
    }

    /// The key of a whole structured request: system messages and schema are the prompt, the
    /// other messages the content.
    public static func forRequest(_ request: ChatRequest, model: String) -> AnswerKey {
        let instructions = request.messages.filter { $0.role == .system }.map(\.content)
        let schema = request.responseSchema.map { schemaText($0) } ?? ""
        let content = request.messages.filter { $0.role != .system }.map { "\($0.role.rawValue)\n\($0.content)" }
        return AnswerKey(kind: request.task.rawValue, model: model, promptVersion: digest(instructions + [schema]),
                         contentHash: digest(content))
    }

    /// SHA-256 of the parts, each length-prefixed so that no two lists of parts read alike.
    public static func digest(_ parts: [String]) -> String {
        var hasher = SHA256()
        for part in parts {
            let bytes = Array(part.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private static func schemaText(_ schema: ResponseSchema) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return schema.name + "\n" + String(decoding: (try? encoder.encode(schema.schema)) ?? Data(), as: UTF8.self)
    }
}
