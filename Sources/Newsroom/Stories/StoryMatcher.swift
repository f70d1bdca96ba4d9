import Foundation

/// What the matcher measures of a pair: every figure is bounded by the capped input, and the
/// whole comparison is linear in it.
struct StoryFeatures: Sendable, Hashable {
    /// Estimated Jaccard similarity of the two texts' shingles (MinHash).
    var textSimilarity: Double
    /// Main entities of either article that the other names at all.
    var sharedMainEntities: Int
    /// Entities both name, over the entities either names.
    var entityJaccard: Double
    /// Distinctive tokens (numbers, versions, amounts) both contain.
    var sharedTokens: Int
    /// Days from the earlier article to the later one.
    var gapDays: Double
}

/// Decides how two articles relate from their text overlap, their entities and the time between
/// them; what those do not settle is left as a close call for `StoryJudge`.
public struct StoryMatcher: Sendable {
    /// Text overlap that only a shared source text gives: a wire story or a press release reprinted.
    static let reprintedText = 0.35
    /// Text overlap above what two unrelated articles on one subject reach.
    static let sharedWording = 0.12
    /// Distinctive tokens that together pin one event (an amount and a version, a date and a count).
    static let eventTokens = 2
    /// Entity overlap of two reports of one event: most of what one names, the other names too.
    static let eventEntityJaccard = 0.45
    /// Entity overlap of one thread: the main actors return, with new ones around them.
    static let threadEntityJaccard = 0.2
    /// Days within which reports of one event appear; later ones report something new.
    static let sameEventDays = 3.0
    /// Days before which a development is rarely already a new event.
    static let followUpDays = 1.0

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
        let earlierEntities = StoryText.entityKeys(earlier.entities + earlier.mainEntities)
        let laterEntities = StoryText.entityKeys(later.entities + later.mainEntities)
        let sharedMain = StoryText.entityKeys(earlier.mainEntities).intersection(laterEntities)
            .union(StoryText.entityKeys(later.mainEntities).intersection(earlierEntities))
        let allEntities = earlierEntities.union(laterEntities)
        let entityJaccard = allEntities.isEmpty
            ? 0 : Double(earlierEntities.intersection(laterEntities).count) / Double(allEntities.count)
        let sharedTokens = StoryText(earlier).distinctiveTokens.intersection(StoryText(later).distinctiveTokens).count
        return StoryFeatures(
            textSimilarity: earlierSignature.similarity(to: laterSignature), sharedMainEntities: sharedMain.count,
            entityJaccard: entityJaccard, sharedTokens: sharedTokens,
            gapDays: abs(later.publishedAt.timeIntervalSince(earlier.publishedAt)) / 86_400)
    }

    /// Nil for a close call.
    static func relation(for features: StoryFeatures) -> StoryRelation? {
        let sameThread = features.textSimilarity >= reprintedText
            || features.sharedMainEntities >= 2
            || (features.sharedMainEntities >= 1 && features.sharedTokens >= 1)
        guard sameThread else {
            let nearThread = features.sharedMainEntities >= 1 && features.entityJaccard >= threadEntityJaccard
            return nearThread ? nil : .unrelated
        }
        let sameEvent = features.textSimilarity >= sharedWording || features.sharedTokens >= eventTokens
            || features.entityJaccard >= eventEntityJaccard
        if features.textSimilarity >= reprintedText || (sameEvent && features.gapDays <= sameEventDays) {
            return .sameStory
        }
        if !sameEvent && features.gapDays > followUpDays { return .followUp }
        return nil
    }
}
