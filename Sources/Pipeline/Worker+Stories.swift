import Foundation
import KawarabanCore
import Newsroom
import Store

/// Grouping at publication: the item about to be published joins the story of the same event,
/// starts a story in the 続報 thread it develops, or starts a story of its own.
extension Worker {
    /// Puts the held item into its story before it is published, one lane and one process at a
    /// time. A pinned item (split by an operator) stays where it is. A crash after this and before publication repeats it, reusing
    /// what it made; close calls the judge cannot settle (no model, an outage) count as unrelated,
    /// so publication never waits for the cheap model.
    func groupIntoStory(_ item: Item) async throws(StageFailure) {
        await storyTurns.begin()
        let outcome: Result<Void, StageFailure>
        do {
            outcome = try await store.whileGroupingStories { () async -> Result<Void, StageFailure> in
                do throws(StageFailure) {
                    try await self.placeInStory(item)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            outcome = .failure(StageFailure(stage: .translated, reason: "\(error)", isTransient: true))
        }
        await storyTurns.end()
        try outcome.get()
    }

    private func placeInStory(_ item: Item) async throws(StageFailure) {
        func failure(_ error: any Error) -> StageFailure {
            StageFailure(stage: .translated, reason: "\(error)", isTransient: true)
        }
        let neighbourhood: StoryNeighbourhood
        do {
            guard let found = try await store.storyNeighbourhood(of: item.id, window: StoryGrouping.candidateWindow,
                                                                  limit: StoryGrouping.candidateLimit) else { return }
            neighbourhood = found
        } catch {
            throw failure(error)
        }
        guard !(neighbourhood.pinned && neighbourhood.subject.storyID != nil) else { return }
        let grouping = StoryGrouping()
        let verdicts: StoryGrouping.Verdicts
        do {
            verdicts = try await pool.run { grouping.verdicts(neighbourhood) }
        } catch {
            throw failure(error)
        }
        let judged = await judge(verdicts.closeCalls, of: item)
        let placement = StoryGrouping.placement(verdicts.relations + judged)
        do {
            // Refused when the lease was lost: the publication that follows is refused as well.
            _ = try await store.placeInStory(item.id, placement, signature: verdicts.signature.storedValue,
                                             owner: owner, now: rules.now)
        } catch {
            throw failure(error)
        }
        if case .sameStory(let other) = placement {
            logger.info("joined a story", metadata: ["item": "\(item.id)", "with": "\(other)"])
        }
    }

    /// The judge's relation for each close call, in batches; unrelated without a model or when it fails.
    private func judge(_ closeCalls: [(candidate: StoryCandidate, pair: StoryPair)],
                       of item: Item) async -> [(candidate: StoryCandidate, relation: StoryRelation)] {
        guard let judge = desk?.storyJudge, !closeCalls.isEmpty else {
            return closeCalls.map { ($0.candidate, .unrelated) }
        }
        var judged: [(candidate: StoryCandidate, relation: StoryRelation)] = []
        for start in stride(from: 0, to: closeCalls.count, by: StoryJudge.maximumBatch) {
            let batch = Array(closeCalls[start..<min(start + StoryJudge.maximumBatch, closeCalls.count)])
            do {
                let relations = try await judge.relations(of: batch.map(\.pair))
                judged += zip(batch, relations).map { ($0.candidate, $1) }
            } catch {
                logger.warning("close calls on story matching left unjudged", metadata: ["item": "\(item.id)", "error": "\(error)"])
                judged += batch.map { ($0.candidate, .unrelated) }
            }
        }
        return judged
    }
}
