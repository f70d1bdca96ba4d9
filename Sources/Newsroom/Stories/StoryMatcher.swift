import Foundation

/// What the matcher measures of a pair: every figure is bounded by the capped input, and the
/// whole comparison is linear in it.
struct StoryFeatures: Sendable, Hashable {
    /// Estimated Jaccard similarity of the two texts' shingles (MinHash).
    var textSimilarity: Double
    /// Main entities of either article that the other names at all.
    var sharedMainEntities: Int
    /// Weighted Jaccard similarity of the entities, a main entity weighing twice a mention: two
    /// articles about the same actors score high, one naming the other's subject in passing does not.
    var entityOverlap: Double
    /// Distinctive tokens (numbers, versions, amounts) both contain.
    var sharedTokens: Int
    /// Days from the earlier article to the later one.
    var gapDays: Double
    /// Whether the later article points back at an earlier event ("last month", "を受けて").
    var laterRefersBack: Bool
}

/// Decides how two articles relate from their text overlap, their entities and the time between
/// them; what those do not settle is left as a close call for `StoryJudge`.
///
/// Outlets retell an event in their own words, so beyond a reprint the text overlap of two
/// reports is barely above that of two articles on one subject; the decision rests on the time
/// between the articles (reports of one event come out within a news cycle, a development comes
/// later) and on how far they are about the same actors.
public struct StoryMatcher: Sendable {
    /// Text overlap only a shared source text gives: a wire story or a press release reprinted.
    static let reprintedText = 0.35
    /// Days within which the reports of one event come out: a news cycle and a time zone or two.
    static let sameEventDays = 1.5
    /// Days within which a reprint, or a report sharing an event's figures, may still be the same event.
    static let lateReportDays = 3.0
    /// Entity overlap of two reports of one event inside `sameEventDays`.
    static let eventOverlap = 0.3
    /// Distinctive tokens that together pin one event (an amount and a valuation, a version and a price).
    static let eventTokens = 2
    /// Entity overlap of one thread: the main actors return, with new ones around them.
    static let threadOverlap = 0.5
    /// Entity overlap below which a later article is about other actors, whatever it shares.
    static let nearThreadOverlap = 0.3
    /// Days after the first report during which a story is still developing: a week, the span of
    /// an uproar, a reversal or a resignation's aftermath. Within it the main actors returning at
    /// a near-thread overlap make a follow-up; later that takes a back-reference in the text.
    static let liveStoryDays = 7.0
    static let mainEntityWeight = 2.0
    static let mentionWeight = 1.0

    public init() {}

    public func signature(of evidence: StoryEvidence) -> StorySignature {
        StorySignature(shingleHashes: StoryText(evidence).shingleHashes)
    }

    /// The pair's relation when text overlap, entities and time settle it; a close call otherwise.
    public func verdict(_ earlier: StoryEvidence, _ earlierSignature: StorySignature,
                        _ later: StoryEvidence, _ laterSignature: StorySignature) -> StoryVerdict {
        let features = Self.features(earlier, earlierSignature, later, laterSignature)
        if let relation = Self.relation(for: features) { return .decided(relation) }
        return .closeCall(StoryPair(earlier: earlier, later: later))
    }

    static func features(_ earlier: StoryEvidence, _ earlierSignature: StorySignature,
                         _ later: StoryEvidence, _ laterSignature: StorySignature) -> StoryFeatures {
        let earlierWeights = weights(earlier), laterWeights = weights(later)
        let sharedMain = StoryText.entityKeys(earlier.mainEntities).intersection(laterWeights.keys)
            .union(StoryText.entityKeys(later.mainEntities).intersection(earlierWeights.keys))
        let keys = Set(earlierWeights.keys).union(laterWeights.keys)
        let common = keys.reduce(0.0) { $0 + min(earlierWeights[$1, default: 0], laterWeights[$1, default: 0]) }
        let either = keys.reduce(0.0) { $0 + max(earlierWeights[$1, default: 0], laterWeights[$1, default: 0]) }
        let earlierText = StoryText(earlier), laterText = StoryText(later)
        let sharedTokens = earlierText.distinctiveTokens.intersection(laterText.distinctiveTokens).count
        return StoryFeatures(
            textSimilarity: earlierSignature.similarity(to: laterSignature), sharedMainEntities: sharedMain.count,
            entityOverlap: either == 0 ? 0 : common / either, sharedTokens: sharedTokens,
            gapDays: abs(later.publishedAt.timeIntervalSince(earlier.publishedAt)) / 86_400,
            laterRefersBack: laterText.refersBack)
    }

    /// Each entity's weight in an article: a main entity `mainEntityWeight`, another `mentionWeight`.
    static func weights(_ evidence: StoryEvidence) -> [String: Double] {
        var weights = Dictionary(StoryText.entityKeys(evidence.entities).map { ($0, mentionWeight) }) { first, _ in first }
        for key in StoryText.entityKeys(evidence.mainEntities) { weights[key] = mainEntityWeight }
        return weights
    }

    /// Nil for a close call.
    static func relation(for features: StoryFeatures) -> StoryRelation? {
        if features.textSimilarity >= reprintedText && features.gapDays <= lateReportDays { return .sameStory }
        if features.gapDays <= sameEventDays {
            let sameEvent = features.entityOverlap >= eventOverlap || features.sharedTokens >= eventTokens
                || (features.sharedMainEntities >= 1 && features.sharedTokens >= 1)
            if sameEvent { return .sameStory }
            return features.sharedMainEntities >= 1 ? nil : .unrelated
        }
        guard features.entityOverlap >= nearThreadOverlap else { return .unrelated }
        let lateReport = features.gapDays <= lateReportDays && features.sharedTokens >= eventTokens
        if lateReport { return nil }
        if features.entityOverlap >= threadOverlap { return .followUp }
        let developing = features.gapDays <= liveStoryDays || features.laterRefersBack
        return developing && features.sharedMainEntities >= 1 ? .followUp : nil
    }
}
