/// Where an item stands in the pipeline. Work moves forward one stage at a time.
public enum Stage: String, Sendable, Codable, CaseIterable {
    /// Waiting for triage: judged in batches from its title and summary before anything is fetched.
    case collected
    case discovered
    case fetched
    case extracted
    case analysed
    case translated
    case published
    /// Taken off the site by an operator; kept, and never published again by the pipeline.
    case unpublished
    case failed
    case skipped

    /// Stages a worker may pick up; `collected` and `extracted` need an LLM to progress.
    public static let workable: [Stage] = [.collected, .discovered, .fetched, .extracted, .analysed, .translated]
    public static let needingLLM: [Stage] = [.collected, .extracted, .analysed]
}
