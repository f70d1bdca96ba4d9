/// What a model call is for. Each task may have a model (and provider) of its own, and every
/// call is counted, cached and budgeted under its task.
public enum LLMTask: String, Sendable, Hashable, CaseIterable, Codable {
    /// Is a batch of new items about AI, and worth a reader's time.
    case triage
    /// Title, TL;DR, key points, impact, editorial comment, entities and scores of one article.
    case analysis
    /// An article body, block by block.
    case translation
    /// The daily, Hacker News and weekly digests: lead paragraphs, comment-thread summaries, overviews.
    case digest
    /// Whether two articles report the same event, asked only of the pairs text overlap leaves in doubt.
    case stories
}
