import Foundation
import KawarabanCore
import Newsroom
import Store

/// Where an item goes among the stories when it is published: the candidates the store found
/// (published items sharing an entity, within the window), each pair settled by the matcher, the
/// close calls by the judge when a model is configured, and of all that one placement.
struct StoryGrouping: Sendable {
    /// How far apart in time a candidate may be: a 続報 comes up to two weeks after the story it
    /// follows; the same event reported again comes within days, which the matcher weighs.
    static let candidateWindow: TimeInterval = 14 * 86_400
    /// Candidates compared at most, newest first: every pair is a MinHash comparison and the close
    /// calls among them cost a model's share.
    static let candidateLimit = 20

    let matcher = StoryMatcher()

    /// What the matcher settled, and the pairs it left to the judge.
    struct Verdicts: Sendable {
        var signature: StorySignature
        var relations: [(candidate: StoryCandidate, relation: StoryRelation)]
        var closeCalls: [(candidate: StoryCandidate, pair: StoryPair)]
    }

    /// The matcher's verdict on the subject and each candidate: pure CPU work, bounded by the
    /// candidates' number and the text the matcher reads.
    func verdicts(_ neighbourhood: StoryNeighbourhood) -> Verdicts {
        let subject = Self.evidence(neighbourhood.subject)
        let signature = matcher.signature(of: subject)
        var verdicts = Verdicts(signature: signature, relations: [], closeCalls: [])
        for candidate in neighbourhood.candidates {
            let evidence = Self.evidence(candidate)
            let candidateSignature = candidate.signature.flatMap(StorySignature.init(storedValue:))
                ?? matcher.signature(of: evidence)
            let candidateIsEarlier = (candidate.shownAt, candidate.itemID) <= (neighbourhood.subject.shownAt, neighbourhood.subject.itemID)
            let verdict = candidateIsEarlier
                ? matcher.verdict(evidence, candidateSignature, subject, signature)
                : matcher.verdict(subject, signature, evidence, candidateSignature)
            switch verdict {
            case .decided(let relation): verdicts.relations.append((candidate, relation))
            case .closeCall(let pair): verdicts.closeCalls.append((candidate, pair))
            }
        }
        return verdicts
    }

    /// Joins the story most of the same-story candidates are in (the newest of them on a tie); else
    /// follows the newest candidate the item develops; else a story of its own.
    static func placement(_ relations: [(candidate: StoryCandidate, relation: StoryRelation)]) -> StoryPlacement {
        let sameStory = relations.filter { $0.relation == .sameStory }.map(\.candidate)
        if !sameStory.isEmpty {
            // An item not yet in a story counts as a story of its own.
            func key(_ candidate: StoryCandidate) -> Int64 { candidate.storyID ?? -candidate.itemID }
            let votes = Dictionary(sameStory.map { (key($0), 1) }, uniquingKeysWith: +)
            let most = votes.values.max() ?? 0
            if let chosen = sameStory.first(where: { votes[key($0)] == most }) { return .sameStory(as: chosen.itemID) }
        }
        if let followed = relations.first(where: { $0.relation == .followUp }) { return .followUp(of: followed.candidate.itemID) }
        return .alone
    }

    /// What the matcher and the judge see of a stored item: the original title and text, and the
    /// entities by the names the analysis gave them, main ones first.
    static func evidence(_ candidate: StoryCandidate) -> StoryEvidence {
        let entities = candidate.entities.filter(\.main) + candidate.entities.filter { !$0.main }
        return StoryEvidence(title: candidate.title, text: candidate.article?.plainText ?? "",
                             entities: entities.map(\.name), mainEntities: entities.filter(\.main).map(\.name),
                             publishedAt: candidate.shownAt)
    }
}

/// Lets one lane of a worker group at a time: two items of one event published at once by two
/// lanes would otherwise each miss the other and start two stories.
actor StoryGroupingTurns {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func begin() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func end() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
