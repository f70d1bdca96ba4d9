import Foundation
import NIOHTTP1

/// Anthropic's Messages API. Structured output goes through tool use: the schema becomes the one
/// tool's `input_schema` and `tool_choice` forces that tool, so the answer is the tool call's input.
enum AnthropicWire: ChatWire {
    static let version = "2023-06-01"
    /// The API requires a completion bound; this one is used when a request sets none.
    static let defaultMaximumTokens = 4096

    struct Body: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }
        struct Tool: Encodable {
            var name: String
            var description: String
            var input_schema: JSONValue
        }
        struct ToolChoice: Encodable {
            var type = "tool"
            var name: String
        }
        var model: String
        var max_tokens: Int
        var system: String?
        var messages: [Message]
        var temperature: Double?
        var tools: [Tool]?
        var tool_choice: ToolChoice?
    }

    struct Response: Decodable {
        struct Block: Decodable {
            var type: String
            var text: String?
            var input: JSONValue?
        }
        struct Usage: Decodable {
            var input_tokens: Int?
            var output_tokens: Int?
            var cache_creation_input_tokens: Int?
            var cache_read_input_tokens: Int?
        }
        var model: String?
        var content: [Block]
        var stop_reason: String?
        var usage: Usage?
    }

    static func prepare(_ request: ChatRequest, configuration: LLMConfiguration) throws -> WireRequest {
        let maximumTokens = request.maximumTokens ?? defaultMaximumTokens
        let system = request.messages.filter { $0.role == .system }.map(\.content)
        let body = Body(
            model: configuration.model, max_tokens: maximumTokens,
            system: system.isEmpty ? nil : system.joined(separator: "\n\n"),
            messages: request.messages.filter { $0.role != .system }.map { Body.Message(role: $0.role.rawValue, content: $0.content) },
            temperature: request.temperature,
            tools: request.responseSchema.map { [Body.Tool(name: $0.name, description: toolDescription, input_schema: $0.schema)] },
            tool_choice: request.responseSchema.map { Body.ToolChoice(name: $0.name) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "anthropic-version", value: version)
        if let key = configuration.apiKey, !key.isEmpty { headers.add(name: "x-api-key", value: key) }
        return WireRequest(url: configuration.baseURL.appendingPathComponent("v1/messages"), headers: headers,
                           body: try encoder.encode(body), maximumCompletionTokens: maximumTokens)
    }

    static let toolDescription = "Give the answer: call this tool with an input that follows its schema exactly."

    /// The tool call's input, re-serialised as the completion's JSON content. A text-only answer
    /// to a request that forced the tool keeps its text (so it can be shown back to the model)
    /// and is marked unstructured, so the re-ask loop refuses it even if the text holds JSON.
    static func decode(_ data: Data, request: ChatRequest, configuration: LLMConfiguration) throws -> ChatCompletion {
        let response = try JSONDecoder().decode(Response.self, from: data)
        let text = response.content.compactMap(\.text).joined()
        var completion = ChatCompletion(
            content: text, model: response.model ?? configuration.model, wasCutOff: response.stop_reason == "max_tokens",
            usage: TokenUsage(
                promptTokens: (response.usage?.input_tokens ?? 0) + (response.usage?.cache_creation_input_tokens ?? 0)
                    + (response.usage?.cache_read_input_tokens ?? 0),
                completionTokens: response.usage?.output_tokens ?? 0))
        guard let schema = request.responseSchema else { return completion }
        if let input = response.content.first(where: { $0.type == "tool_use" })?.input {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            completion.content = String(decoding: try encoder.encode(input), as: UTF8.self)
        } else {
            completion.unstructuredReason = "the answer came as text; give it only as a call of the tool \(schema.name)"
        }
        return completion
    }
}
