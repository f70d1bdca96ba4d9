import Foundation

/// Any JSON value, for schemas and free-form answers.
public indirect enum JSONValue: Sendable, Hashable, Codable {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

public struct ChatMessage: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Codable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: .assistant, content: content) }
}

/// The JSON schema an answer must match, with a name the API reports it under.
public struct ResponseSchema: Sendable, Hashable {
    public var name: String
    public var schema: JSONValue

    public init(name: String, schema: JSONValue) {
        self.name = name
        self.schema = schema
    }
}

public struct ChatRequest: Sendable {
    public var task: LLMTask
    public var messages: [ChatMessage]
    public var responseSchema: ResponseSchema?
    public var temperature: Double?
    public var maximumTokens: Int?

    public init(task: LLMTask, messages: [ChatMessage], responseSchema: ResponseSchema? = nil, temperature: Double? = nil,
                maximumTokens: Int? = nil) {
        self.task = task
        self.messages = messages
        self.responseSchema = responseSchema
        self.temperature = temperature
        self.maximumTokens = maximumTokens
    }
}

public struct TokenUsage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(promptTokens: lhs.promptTokens + rhs.promptTokens,
                   completionTokens: lhs.completionTokens + rhs.completionTokens)
    }
}

public struct ChatCompletion: Sendable {
    public var content: String
    public var model: String
    /// The model stopped at the token limit, so the answer is incomplete.
    public var wasCutOff: Bool
    public var usage: TokenUsage
    /// Why the answer cannot be the structured one asked for, when the wire can tell (a text
    /// answer where a tool call was forced); the re-ask loop refuses such an answer.
    var unstructuredReason: String?
}

/// A validated structured answer and what it cost.
public struct StructuredAnswer<Value: Sendable>: Sendable {
    public var value: Value
    public var model: String
    public var usage: TokenUsage
    public var attempts: Int
    /// What was still wrong with an answer accepted with a flaw (see `AnswerFlaw`); empty when none.
    public var qualityNotes: [String] = []
}

/// Thrown by a validator: the answer parsed but says something unacceptable.
public struct AnswerRejected: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// Thrown by a validator for an answer that is usable but not as asked (a text that mixes
/// registers): worth one re-ask with the reason, not the configured attempts. If the re-asked
/// answer is flawed too, or no valid answer follows, the flawed answer is accepted and its reason
/// returned as a quality note, so that it is recorded with the item rather than failing it.
public struct AnswerFlaw<Value: Sendable>: Error, Sendable, CustomStringConvertible {
    public var value: Value
    public var reason: String

    public init(value: Value, reason: String) {
        self.value = value
        self.reason = reason
    }

    public var description: String { reason }
}
