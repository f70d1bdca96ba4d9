import Foundation
import NIOHTTP1

/// The chat-completions wire format.
enum OpenAIWire: ChatWire {
    struct Body: Encodable {
        var model: String
        var messages: [ChatMessage]
        var temperature: Double?
        var max_tokens: Int?
        var response_format: JSONValue?
    }

    struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message
            var finish_reason: String?
        }
        struct Usage: Decodable {
            var prompt_tokens: Int?
            var completion_tokens: Int?
        }
        var model: String?
        var choices: [Choice]
        var usage: Usage?
    }

    static func prepare(_ request: ChatRequest, configuration: LLMConfiguration) throws -> WireRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json")
        if let key = configuration.apiKey, !key.isEmpty {
            headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        return WireRequest(url: configuration.baseURL.appendingPathComponent("chat/completions"), headers: headers,
                           body: try encode(request, configuration: configuration),
                           maximumCompletionTokens: request.maximumTokens)
    }

    static func encode(_ request: ChatRequest, configuration: LLMConfiguration) throws -> Data {
        let body = Body(model: configuration.model, messages: request.messages, temperature: request.temperature,
                        max_tokens: request.maximumTokens,
                        response_format: request.responseSchema.flatMap { responseFormat($0, style: configuration.responseFormat) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(body)
    }

    static func responseFormat(_ schema: ResponseSchema, style: ResponseFormatStyle) -> JSONValue? {
        switch style {
        case .jsonSchema:
            return .object(["type": .string("json_schema"), "json_schema": .object([
                "name": .string(schema.name), "strict": .bool(true), "schema": schema.schema,
            ])])
        case .jsonObject:
            return .object(["type": .string("json_object"), "schema": schema.schema])
        case .none:
            return nil
        }
    }

    static func decode(_ data: Data, request: ChatRequest, configuration: LLMConfiguration) throws -> ChatCompletion {
        let requestedModel = configuration.model
        let response = try JSONDecoder().decode(Response.self, from: data)
        guard let content = response.choices.first?.message.content else {
            throw AnswerRejected("the response has no message content")
        }
        return ChatCompletion(
            content: content, model: response.model ?? requestedModel,
            wasCutOff: response.choices.first?.finish_reason == "length",
            usage: TokenUsage(promptTokens: response.usage?.prompt_tokens ?? 0,
                              completionTokens: response.usage?.completion_tokens ?? 0))
    }
}

/// Reads the one JSON object a model answered with, tolerating fences and prose around it.
enum JSONAnswer {
    static func decode<T: Decodable>(_ type: T.Type, from content: String) throws -> T {
        guard let start = content.firstIndex(of: "{"), let end = content.lastIndex(of: "}"), start < end else {
            throw AnswerRejected("the answer contains no JSON object")
        }
        return try JSONDecoder().decode(type, from: Data(content[start...end].utf8))
    }

    /// A decoding error in words a model (and a person) can act on.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "the field \(path(context.codingPath + [key])) is missing"
        case DecodingError.typeMismatch(let type, let context):
            return "the field \(path(context.codingPath)) must be \(type)"
        case DecodingError.valueNotFound(let type, let context):
            return "the field \(path(context.codingPath)) must be a \(type), not null"
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty:
            return "the JSON is not valid: \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return "the field \(path(context.codingPath)) has an unusable value: \(context.debugDescription)"
        default:
            return String(describing: error)
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
