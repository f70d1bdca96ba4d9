import Testing
import KawarabanCore

@Suite struct ImportanceTests {
    @Test(arguments: [
        // depth, relevance, practicality, novelty → importance
        ([5, 5, 3, 2], 4),  // the seed page: 4.3 → 4
        ([5, 5, 5, 5], 5),
        ([1, 1, 1, 1], 1),
        ([3, 3, 3, 3], 3),
        ([4, 4, 5, 5], 4),  // 4.3 → 4
        ([4, 5, 5, 5], 5),  // 4.6 → 5
        ([3, 4, 4, 2], 3),  // 3.4 → 3
        ([4, 3, 3, 3], 3),  // 3.4 → 3
        ([4, 4, 2, 3], 4),  // 3.5 → 4: half rounds up
        ([2, 2, 1, 1], 2),  // 1.7 → 2
    ])
    func weightedAndRoundedHalfUp(scores: [Int], expected: Int) {
        let axes = AxisScores(depth: scores[0], relevance: scores[1], practicality: scores[2], novelty: scores[3])
        #expect(Importance(scores: axes).value == expected)
    }

    @Test func outOfRangeScoresAreClampedBeforeWeighting() {
        let wild = AxisScores(depth: 9, relevance: -3, practicality: 0, novelty: 6)
        #expect(wild.clamped == AxisScores(depth: 5, relevance: 1, practicality: 1, novelty: 5))
        #expect(Importance(scores: wild).value == 3)  // 2.0 + 0.3 + 0.2 + 0.5 = 3.0
    }

    @Test func weightedMeanHasOneDecimal() {
        #expect(Importance.weightedMean(AxisScores(depth: 5, relevance: 5, practicality: 3, novelty: 2)) == 4.3)
    }
}
