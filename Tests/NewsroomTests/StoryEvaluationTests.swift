import Foundation
import Testing
import TestSupport
@testable import Newsroom

/// The labelled set in docs/eval/stories, through the matcher without a model: the figures the
/// issue asks to keep at 0.9 or better, and the arithmetic behind them.
@Suite struct StoryEvaluationTests {
    static let setFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/eval/stories/pairs.json")

    static func labelledSet() throws -> StoryLabelledSet {
        try StoryLabelledSet.decode(Data(contentsOf: setFile))
    }

    @Test func theSetIsAsLargeAndAsMixedAsPromised() throws {
        let set = try Self.labelledSet()
        let labels = Dictionary(grouping: set.pairs, by: \.label).mapValues(\.count)
        #expect(set.pairs.count >= 80)
        #expect(labels[.sameStory, default: 0] >= 25)
        #expect(labels[.followUp, default: 0] >= 15)
        #expect(labels[.unrelated, default: 0] >= 20)
        let crossLanguage = set.pairs.filter { set.articles[$0.earlier]!.language != set.articles[$0.later]!.language }
        #expect(crossLanguage.filter { $0.label == .sameStory }.count >= 5)
        let sharingMainEntity = set.pairs.filter { pair in
            pair.label == .unrelated && !Set(set.articles[pair.earlier]!.evidence.mainEntities)
                .isDisjoint(with: set.articles[pair.later]!.evidence.entities)
        }
        #expect(sharingMainEntity.count * 2 > labels[.unrelated, default: 0])
    }

    /// The issue's target: 0.9 or better for both relations without a model, over the whole set.
    /// The table printed shows the tuning and held-out parts apart.
    @Test func withoutAModelBothRelationsReachNinetyPercent() async throws {
        let evaluation = try await StoryEvaluation.run(Self.labelledSet(), judge: nil)
        print(evaluation.table)
        for relation in [StoryRelation.sameStory, .followUp] {
            #expect(evaluation.precision(of: relation) >= 0.9, "\(relation.rawValue) precision")
            #expect(evaluation.recall(of: relation) >= 0.9, "\(relation.rawValue) recall")
        }
    }

    /// With a judge, the close calls (and only they) go to the model in batches, and its answers
    /// become the predictions of exactly those pairs.
    @Test func withAModelTheCloseCallsAreJudgedInBatches() async throws {
        let set = try Self.labelledSet()
        let unjudged = try await StoryEvaluation.run(set, judge: nil)
        let closeCalls = unjudged.outcomes.filter { $0.decided == nil }.count
        #expect(closeCalls > StoryJudge.maximumBatch)
        let batches = stride(from: 0, to: closeCalls, by: StoryJudge.maximumBatch).map { min(StoryJudge.maximumBatch, closeCalls - $0) }
        let server = ScriptedLLMServer(script: batches.map { count in
            ScriptedLLMServer.completion(StoryJudgeTests.answer((1...count).map { ($0, "follow-up") }))
        })
        try await withTestHTTPServer(server.handler) { port in
            let judged = try await StoryEvaluation.run(set, judge: StoryJudge(client: testClient(port: port), edition: .japanese))
            #expect(server.requestCount(schema: "stories") == batches.count)
            for (before, after) in zip(unjudged.outcomes, judged.outcomes) {
                #expect(after.predicted == (before.decided ?? .followUp))
            }
            #expect(judged.table.contains("close calls: \(closeCalls), judged by the model: 0 same-story, \(closeCalls) follow-up, 0 unrelated"))
        }
    }

    @Test func precisionAndRecallCountWhatTheyShould() throws {
        let pair = { (label: StoryRelation, heldOut: Bool) in
            StoryLabelledSet.Pair(label: label, earlier: "a", later: "b", heldOut: heldOut)
        }
        let evaluation = StoryEvaluation(outcomes: [
            .init(pair: pair(.sameStory, false), decided: .sameStory, predicted: .sameStory),
            .init(pair: pair(.sameStory, false), decided: nil, predicted: .unrelated),
            .init(pair: pair(.followUp, true), decided: .sameStory, predicted: .sameStory),
            .init(pair: pair(.unrelated, true), decided: .unrelated, predicted: .unrelated),
        ], judged: false)
        #expect(evaluation.precision(of: .sameStory) == 0.5)
        #expect(evaluation.recall(of: .sameStory) == 0.5)
        #expect(evaluation.recall(of: .sameStory, in: .tuning) == 0.5)
        #expect(evaluation.precision(of: .sameStory, in: .heldOut) == 0)
        #expect(evaluation.recall(of: .followUp) == 0)
        #expect(evaluation.precision(of: .unrelated) == 0.5)
        #expect(evaluation.table.contains("close calls: 1, resolved as unrelated without a model: 0 same-story, 0 follow-up, 1 unrelated; 0 of them right"))
    }

    @Test func aPairNamingAMissingArticleIsRefused() {
        let json = #"{"articles": {}, "pairs": [{"label": "same-story", "earlier": "x", "later": "y", "heldOut": false}]}"#
        #expect(throws: StoryLabelledSetError.self) { try StoryLabelledSet.decode(Data(json.utf8)) }
    }
}
