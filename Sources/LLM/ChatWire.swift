import Foundation
import NIOHTTP1

/// How one provider's API is spoken: where a request goes and how it is written, and how its
/// answer is read back into the one `ChatCompletion` every caller sees.
protocol ChatWire {
    static func prepare(_ request: ChatRequest, configuration: LLMConfiguration) throws -> WireRequest
    static func decode(_ data: Data, request: ChatRequest, configuration: LLMConfiguration) throws -> ChatCompletion
}

/// One request as it goes on the wire.
struct WireRequest {
    var url: URL
    var headers: HTTPHeaders
    var body: Data
    /// The completion bound the request carries, if any; the rate limiter counts it in advance.
    var maximumCompletionTokens: Int?
}

extension LLMProvider {
    var wire: any ChatWire.Type {
        switch self {
        case .openAI: OpenAIWire.self
        case .anthropic: AnthropicWire.self
        }
    }
}
