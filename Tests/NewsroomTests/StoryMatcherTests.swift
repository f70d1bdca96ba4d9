import Foundation
import Testing
@testable import Newsroom

/// The matcher's parts on their own: signatures that survive storage and refuse damage, text
/// read only up to its cap, and the clear cases decided without a model.
@Suite struct StoryMatcherTests {
    let matcher = StoryMatcher()
    static let day: TimeInterval = 86_400
    static let start = Date(timeIntervalSince1970: 1_732_000_000)

    static func evidence(_ title: String, _ text: String, entities: [String], main: [String], day: Double = 0) -> StoryEvidence {
        StoryEvidence(title: title, text: text, entities: entities, mainEntities: main, publishedAt: start + day * Self.day)
    }

    static let launch = evidence(
        "Acme unveils Rocket-7 model with 2 million token context",
        "Acme released Rocket-7 on Tuesday, a model that reads 2 million tokens at once. The company says it costs $3 per million tokens.",
        entities: ["Acme", "Rocket-7"], main: ["Acme", "Rocket-7"])

    @Test func aSignatureSurvivesItsStoredFormAndDamageIsRefused() throws {
        let signature = matcher.signature(of: Self.launch)
        let stored = signature.storedValue
        #expect(stored.count == 3 + 64 * 8)
        #expect(StorySignature(storedValue: stored) == signature)
        #expect(StorySignature(storedValue: "") == nil)
        #expect(StorySignature(storedValue: String(stored.dropLast())) == nil)
        #expect(StorySignature(storedValue: "m2:" + stored.dropFirst(3)) == nil)
        #expect(StorySignature(storedValue: String(stored.dropLast()) + "g") == nil)
        #expect(StorySignature(storedValue: stored + "0") == nil)
        #expect(StorySignature(storedValue: "m1:+" + stored.dropFirst(4)) == nil)
    }

    @Test func textBeyondTheCapIsNotRead() {
        let lead = String(repeating: "Acme ships a model. ", count: 200)
        let short = Self.evidence("Acme", lead, entities: [], main: [])
        let huge = Self.evidence("Acme", lead + String(repeating: "予想外の別の話題 ", count: 200_000), entities: [], main: [])
        #expect(matcher.signature(of: short) == matcher.signature(of: huge))
    }

    @Test func spellingHabitsDoNotCount() {
        let plain = Self.evidence("GPT-5 launch", "OpenAI ships GPT-5 at $20 a month.", entities: ["OpenAI"], main: ["OpenAI"])
        let wide = Self.evidence("ＧＰＴ－５ LAUNCH", "OPENAI ships ＧＰＴ-５ at $２０ a month.", entities: ["Open AI"], main: ["Open AI"])
        #expect(matcher.signature(of: plain).similarity(to: matcher.signature(of: wide)) > 0.9)
        #expect(StoryText.entityKeys(plain.entities) == StoryText.entityKeys(wide.entities))
    }

    @Test func amountsMeetAcrossLanguages() {
        let english = StoryText(Self.evidence("x", "raised $6.6 billion at a $157 billion valuation", entities: [], main: []))
        let japanese = StoryText(Self.evidence("x", "66億ドルを調達し、評価額は1570億ドルに", entities: [], main: []))
        #expect(english.distinctiveTokens.intersection(japanese.distinctiveTokens) == ["amount:6600000000", "amount:157000000000"])
        #expect(!english.distinctiveTokens.contains("2024"))
    }

    @Test func aReprintIsTheSameStoryAndAnotherCompanyIsUnrelated() {
        let reprint = Self.evidence(Self.launch.title, Self.launch.text, entities: ["Acme"], main: ["Acme"], day: 0.2)
        let other = Self.evidence("Globex cuts 300 jobs", "Globex will lay off 300 staff in its cloud unit, the company said.",
                                  entities: ["Globex"], main: ["Globex"], day: 0.5)
        #expect(verdict(Self.launch, reprint) == .decided(.sameStory))
        #expect(verdict(Self.launch, other) == .decided(.unrelated))
    }

    func verdict(_ earlier: StoryEvidence, _ later: StoryEvidence) -> StoryVerdict {
        matcher.verdict(earlier, matcher.signature(of: earlier), later, matcher.signature(of: later))
    }

    @Test func hostileInputIsReadWithinBoundsAndNeverTraps() {
        let huge = String(repeating: "9", count: 5_000)
        let hostile = Self.evidence(
            huge + " billion", "$" + huge + ".5 trillion and 1e400 兆 " + String(repeating: "🤖", count: 100_000),
            entities: (0..<10_000).map { "Entity \($0) " + String(repeating: "x", count: 1_000) },
            main: [String(repeating: "長", count: 1_000_000)])
        let signature = matcher.signature(of: hostile)
        #expect(StorySignature(storedValue: signature.storedValue) == signature)
        #expect(StoryText(hostile).distinctiveTokens.allSatisfy { !$0.hasPrefix("amount:") })
        #expect(StoryText.entityKeys(hostile.entities).count == StoryText.maximumEntities)
        #expect(StoryText.entityKeys(hostile.mainEntities).first?.count == StoryText.maximumEntityNameCharacters)
        _ = verdict(hostile, Self.launch)
    }

    @Test func twoArticlesWithoutLettersDoNotLookAlike() {
        let first = Self.evidence("!!!", "", entities: [], main: [])
        let second = Self.evidence("???", "…", entities: [], main: [], day: 0.1)
        #expect(matcher.signature(of: first).similarity(to: matcher.signature(of: second)) == 0)
        #expect(verdict(first, second) == .decided(.unrelated))
    }

    /// Reports of one event come within a news cycle; later, the same actors make a follow-up.
    /// Another event of the same company is a close call on the day and unrelated later, never
    /// the same story or a follow-up on the company alone.
    @Test func timeSeparatesTheRelationsAndASharedCompanyAloneIsNoStory() {
        let retold = Self.evidence("Rocket-7 from Acme reads 2 million tokens", "Acme's new model costs $3 per million tokens.",
                                   entities: ["Acme", "Rocket-7"], main: ["Acme", "Rocket-7"], day: 0.5)
        let benchmarks = Self.evidence("Rocket-7 tops the long-context leaderboard", "Independent tests put Acme's model first.",
                                       entities: ["Rocket-7", "Acme", "LongBench"], main: ["Rocket-7", "Acme"], day: 9)
        let hiring = { (day: Double) in
            Self.evidence("Acme hires a new finance chief", "The company named a former banker as CFO.",
                          entities: ["Acme", "Jane Roe", "Bank of Somewhere"], main: ["Acme", "Jane Roe"], day: day)
        }
        #expect(verdict(Self.launch, retold) == .decided(.sameStory))
        #expect(verdict(Self.launch, benchmarks) == .decided(.followUp))
        #expect(verdict(Self.launch, hiring(0.8)) == .closeCall(StoryPair(earlier: Self.launch, later: hiring(0.8))))
        #expect(verdict(Self.launch, hiring(30)) == .decided(.unrelated))
    }

    /// Past the first week, an article whose actors only partly return is a follow-up when it
    /// points back at the earlier event and a close call when it does not; within the week the
    /// main actors returning are enough.
    @Test func aBackReferenceOrALiveStoryMakesAPartialReturnAFollowUp() {
        let inquiry = { (day: Double, text: String) in
            Self.evidence("Watchdog opens an inquiry into Rocket-7", text,
                          entities: ["Rocket-7", "Watchdog"], main: ["Rocket-7", "Watchdog"], day: day)
        }
        let plain = "The regulator asked for documents about the model's training data."
        let pointing = "The regulator asked for documents about the model, released last month, and its training data."
        #expect(verdict(Self.launch, inquiry(30, pointing)) == .decided(.followUp))
        #expect(verdict(Self.launch, inquiry(30, plain)) == .closeCall(StoryPair(earlier: Self.launch, later: inquiry(30, plain))))
        #expect(verdict(Self.launch, inquiry(5, plain)) == .decided(.followUp))
    }

    @Test func backReferencesAreWholePhrasesInEnglishAndMarksInJapanese() {
        let refersBack = { (text: String) in StoryText(Self.evidence("", text, entities: [], main: [])).refersBack }
        #expect(refersBack("The suit it filed LAST MONTH, days after the launch."))
        #expect(refersBack("Following the outcry, Acme paused the tool."))
        #expect(refersBack("先月発表した新モデルを受けて、各社が対応を急ぐ。"))
        #expect(!refersBack("The lastmonth figures and a followingly odd word."))
        #expect(!refersBack("Acme again beats estimates after a strong quarter."))
        #expect(!refersBack("来月から提供を始める。"))
    }
}
