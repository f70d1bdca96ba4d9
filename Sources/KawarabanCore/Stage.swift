/// Where an item stands in the pipeline. Work moves forward one stage at a time.
public enum Stage: String, Sendable, Codable, CaseIterable {
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

    /// Stages a worker may pick up; `extracted` needs an LLM to progress.
    public static let workable: [Stage] = [.discovered, .fetched, .extracted, .analysed, .translated]
    public static let needingLLM: [Stage] = [.extracted, .analysed]
}
