import Foundation
import KawarabanCore
import Newsroom
@testable import Store
import Testing
@testable import Pipeline

/// Which story a published item joins, from the relations to its candidates (newest first).
@Suite struct StoryGroupingTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func candidate(_ itemID: Int64, story: Int64?, entities: [Entity] = []) -> StoryCandidate {
        StoryCandidate(itemID: itemID, storyID: story, sourceID: 1, title: "Title \(itemID)", article: nil,
                       entities: entities, shownAt: now, signature: nil)
    }

    @Test func theStoryMostSameStoryCandidatesAreInIsJoinedTheNewestOnATie() {
        let relations: [(candidate: StoryCandidate, relation: StoryRelation)] = [
            (candidate(9, story: 1), .sameStory), (candidate(8, story: 2), .sameStory),
            (candidate(7, story: 2), .sameStory), (candidate(6, story: 3), .followUp),
        ]
        #expect(StoryGrouping.placement(relations) == .sameStory(as: 8))
        #expect(StoryGrouping.placement(Array(relations.prefix(2))) == .sameStory(as: 9))
        // Items not yet in a story are each a story of their own, never one story together.
        let ungrouped: [(candidate: StoryCandidate, relation: StoryRelation)] = [
            (candidate(5, story: nil), .sameStory), (candidate(4, story: nil), .sameStory), (candidate(3, story: 7), .sameStory),
            (candidate(2, story: 7), .sameStory),
        ]
        #expect(StoryGrouping.placement(ungrouped) == .sameStory(as: 3))
    }

    @Test func withoutTheSameEventTheNewestDevelopmentIsFollowedElseTheItemStandsAlone() {
        let relations: [(candidate: StoryCandidate, relation: StoryRelation)] = [
            (candidate(9, story: 1), .unrelated), (candidate(8, story: 2), .followUp), (candidate(7, story: 3), .followUp),
        ]
        #expect(StoryGrouping.placement(relations) == .followUp(of: 8))
        #expect(StoryGrouping.placement(Array(relations.prefix(1))) == .alone)
        #expect(StoryGrouping.placement([]) == .alone)
    }

    @Test func theEvidenceNamesTheMainEntitiesFirst() {
        let entities = [Entity(name: "Cloudhaven", kind: .company, rendering: "Cloudhaven", main: false),
                        Entity(name: "Example Lab", kind: .organisation, rendering: "Example Lab", main: true)]
        let evidence = StoryGrouping.evidence(candidate(1, story: nil, entities: entities))
        #expect(evidence.entities == ["Example Lab", "Cloudhaven"])
        #expect(evidence.mainEntities == ["Example Lab"])
        #expect(evidence.title == "Title 1" && evidence.text.isEmpty && evidence.publishedAt == now)
    }
}
