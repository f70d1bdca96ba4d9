import Foundation

/// Why an LLM call produced nothing usable, in words an operator can act on.
public enum LLMError: Error, Sendable, CustomStringConvertible {
    case transport(String)
    case timedOut(after: Duration)
    case unauthorized(status: Int, body: String)
    case http(status: Int, body: String)
    /// The API is busy (Anthropic's 529 `overloaded_error`); it is asked again after a pause.
    case overloaded(status: Int, body: String)
    case badResponse(String)
    case invalidAnswer(reason: String, attempts: Int)
    /// The calling task was cancelled (a worker that lost its item, a shutdown); the request in
    /// flight was abandoned.
    case cancelled
    /// The day's token budget (`KAWARABAN_LLM_DAILY_TOKENS`) is spent; nothing was sent. Calls
    /// may be made again from `until`, the next midnight in the edition's time zone.
    case budgetExhausted(until: Date)

    public var description: String {
        switch self {
        case .transport(let reason):
            return "the LLM API could not be reached: \(reason); check KAWARABAN_LLM_BASE_URL"
        case .timedOut(let after):
            return "the LLM API did not answer within \(after.components.seconds) s; a slow model may need a larger KAWARABAN_LLM_TIMEOUT_SECONDS"
        case .unauthorized(let status, let body):
            return "the LLM API refused the request (HTTP \(status)): \(body); check KAWARABAN_LLM_API_KEY"
        case .http(let status, let body):
            let hint = status == 404 ? "; check KAWARABAN_LLM_BASE_URL and KAWARABAN_LLM_MODEL" : ""
            return "the LLM API answered HTTP \(status): \(body)\(hint)"
        case .overloaded(let status, let body):
            return "the LLM API is overloaded (HTTP \(status)): \(body); it is asked again after a pause"
        case .badResponse(let reason):
            return "the LLM API's response could not be read: \(reason)"
        case .invalidAnswer(let reason, let attempts):
            return "the model's answer was invalid after \(attempts) attempts: \(reason)"
        case .cancelled:
            return "the LLM request was cancelled"
        case .budgetExhausted(let until):
            return "the daily LLM token budget is spent; calls resume at \(until.formatted(.iso8601)); raise KAWARABAN_LLM_DAILY_TOKENS to spend more"
        }
    }

    /// Whether the same request may succeed later.
    public var isTransient: Bool {
        switch self {
        // A cancelled call never ran to an answer: trying it again later is fine.
        case .transport, .timedOut, .cancelled, .overloaded, .budgetExhausted: return true
        case .http(let status, _): return status == 408 || status == 409 || status == 429 || status >= 500
        case .unauthorized, .badResponse, .invalidAnswer: return false
        }
    }

    /// How an attempt that failed this way is recorded.
    var outcome: CallOutcome {
        switch self {
        case .http(let status, _), .unauthorized(let status, _), .overloaded(let status, _): return .http(status: status)
        case .invalidAnswer: return .invalidAnswer
        case .cancelled: return .cancelled
        case .transport, .timedOut, .badResponse, .budgetExhausted: return .transport
        }
    }
}
