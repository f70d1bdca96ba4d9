import LLM

public enum NewsroomError: Error, Sendable, CustomStringConvertible {
    case llm(LLMError)
    case emptyArticle

    public var description: String {
        switch self {
        case .llm(let error): return error.description
        case .emptyArticle: return "the article has no text to analyse or translate"
        }
    }

    /// Whether trying again later may succeed (the API was down or busy, not the answer wrong).
    public var isTransient: Bool {
        if case .llm(let error) = self { return error.isTransient }
        return false
    }
}
