import Foundation

public enum LLMProvider: String, Sendable, CaseIterable {
    /// Any API that speaks OpenAI's chat-completions protocol: OpenAI, Ollama, llama.cpp, vLLM, OpenRouter.
    case openAI = "openai"
    /// Anthropic's Messages API, spoken natively.
    case anthropic = "anthropic"

    /// Where the provider's API is when no base URL is configured; OpenAI-compatible servers
    /// are too many to guess one.
    public var defaultBaseURL: URL? {
        switch self {
        case .openAI: nil
        case .anthropic: URL(string: "https://api.anthropic.com")
        }
    }
}

/// One API a process talks to: requests to the same provider at the same base URL share its limits.
public struct LLMEndpoint: Sendable, Hashable {
    public var provider: LLMProvider
    public var baseURL: URL
}

/// How structured output is asked for; servers differ in the form they accept.
public enum ResponseFormatStyle: String, Sendable, CaseIterable {
    /// `{"type":"json_schema","json_schema":{…}}`: OpenAI, Ollama, llama.cpp's own server.
    case jsonSchema = "json_schema"
    /// `{"type":"json_object","schema":{…}}`: llama-cpp-python's server.
    case jsonObject = "json_object"
    /// Nothing: the schema is only described in the prompt.
    case none
}

public struct LLMConfiguration: Sendable {
    public static let defaultRequestTimeout: Duration = .seconds(180)
    /// No single call may take longer, whatever is configured.
    public static let maximumRequestTimeout: Duration = .seconds(900)
    public static let defaultMaximumAttempts = 3
    public static let defaultRetryBaseDelay: Duration = .seconds(2)

    public var provider: LLMProvider
    public var baseURL: URL
    public var model: String
    public var apiKey: String?
    public var responseFormat: ResponseFormatStyle
    public var requestTimeout: Duration
    /// Attempts per call, for transport failures and for answers that do not validate.
    public var maximumAttempts: Int
    /// First pause before retrying a failed request; doubled each time, unless the server says how long.
    public var retryBaseDelay: Duration

    public init(
        provider: LLMProvider = .openAI, baseURL: URL, model: String, apiKey: String? = nil,
        responseFormat: ResponseFormatStyle = .jsonSchema,
        requestTimeout: Duration = LLMConfiguration.defaultRequestTimeout,
        maximumAttempts: Int = LLMConfiguration.defaultMaximumAttempts,
        retryBaseDelay: Duration = LLMConfiguration.defaultRetryBaseDelay
    ) {
        self.provider = provider
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.responseFormat = responseFormat
        self.requestTimeout = min(requestTimeout, Self.maximumRequestTimeout)
        self.maximumAttempts = max(1, maximumAttempts)
        self.retryBaseDelay = retryBaseDelay
    }

    public var endpoint: LLMEndpoint { LLMEndpoint(provider: provider, baseURL: baseURL) }
}
