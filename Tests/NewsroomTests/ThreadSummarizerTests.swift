import Foundation
import KawarabanCore
import Logging
import Testing
import TestSupport
@testable import LLM
@testable import Newsroom

/// A thread's summary quotes nobody by name: an answer naming anyone who wrote in the thread, or
/// quoting a passage, is refused with a reason and asked again.
@Suite struct ThreadSummarizerTests {
    static let commenters: Set<String> = ["alice_ml", "llm", "OpenAI"]
    static let names = NameGuard(commenters: commenters, title: "OpenAI releases a model")

    static func answer(overview: String = "評価方法をめぐって議論が分かれました。",
                       positions: [(String, String)] = [("実務を反映しないという指摘がありました。", "agreed")]) -> String {
        let list = positions.map { #"{"stance":"\#($0.0)","reception":"\#($0.1)"}"# }.joined(separator: ",")
        return #"{"overview":"\#(overview)","positions":[\#(list)]}"#
    }

    static func validate(_ json: String) throws -> ThreadSummary {
        let decoded = try JSONDecoder().decode(ThreadSummarizer.SummaryAnswer.self, from: Data(json.utf8))
        return try ThreadSummarizer.validate(decoded, names: names, register: .polite, languageCode: "ja", commentsRead: 7)
    }

    @Test(arguments: [
        (answer(overview: "alice_ml が評価方法を批判しました。"), "overview names alice_ml"),
        (answer(positions: [("alice_mlの意見に賛成が集まりました。", "agreed")]), "stance 1 names alice_ml"),
        (answer(overview: "「実際に重要なことは何ひとつ測っていないと私たちは考えている」という声がありました。"), "quotes a passage of"),
        (answer(overview: "“これでベンチマークの時代は完全に終わったと言っていいだろう”と言われました。"), "quotes a passage of"),
        (answer(overview: "「引用が閉じられないまま続く長い長い長い長い文章がありました。"), "quotes a passage of"),
        (answer(positions: []), "give from 1 to 5 positions"),
        (answer(positions: Array(repeating: ("指摘がありました。", "agreed"), count: 6)), "give from 1 to 5 positions"),
        (answer(positions: [("指摘がありました。", "mixed")]), "must be agreed, divided or disputed"),
        (answer(overview: "  "), "overview is empty"),
        (answer(overview: "The thread argued about whether the benchmark measures anything useful."), "not written in Japanese"),
        (answer(overview: String(repeating: "長", count: 201)), "overview is 201 characters long"),
    ])
    func aSummaryThatNamesQuotesOrOverrunsIsRefused(json: String, reason: String) throws {
        #expect {
            _ = try Self.validate(json)
        } throws: { error in
            (error as? AnswerRejected)?.reason.contains(reason) == true
        }
    }

    @Test func namesAreWholeWordsCaseSensitiveAndTheTitleIsNotACommenter() throws {
        // "LLM" is not the commenter llm, "OpenAI" is the story's subject, a short quoted term is fine.
        let summary = try Self.validate(Self.answer(
            overview: "OpenAIのLLMについて「評価の罠」という言葉で議論されました。",
            positions: [("alice_mlxの話ではなく、実務での効果に賛成が集まりました。", "agreed"), ("評価に疑問も出ました。", "disputed")]))
        #expect(summary.positions.map(\.reception) == [.agreed, .disputed])
        #expect(summary.commentsRead == 7)
        #expect(ThreadSummarizer.longestQuote(in: "「短い」と「もう少しだけ長い語句」") == 10)
        #expect(NameGuard.words(in: "alice_mlさんとbob-42、x") == ["alice_ml", "bob-42", "x"])
    }

    @Test func aSummaryInTheOtherRegisterIsAFlawNotARefusal() throws {
        #expect {
            _ = try Self.validate(Self.answer(overview: "評価方法をめぐって議論が分かれた。"))
        } throws: { error in
            (error as? AnswerFlaw<ThreadSummary>)?.reason.contains("one register") == true
        }
    }

    @Test func anAnswerNamingACommenterIsAskedAgain() async throws {
        let naming = Self.answer(overview: "alice_ml が評価方法を批判しました。")
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.completion(naming), ScriptedLLMServer.completion(Self.answer())])
        try await withTestHTTPServer(server.handler) { port in
            let summarizer = ThreadSummarizer(client: testClient(port: port), edition: .japanese)
            let answer = try await summarizer.summarize(
                title: "A model", comments: [ThreadCommentText(depth: 1, text: "Benchmarks mislead."),
                                             ThreadCommentText(depth: 2, text: "They do.")],
                commenters: ["alice_ml", "bob"])
            #expect(answer.attempts == 2)
            #expect(answer.value.overview == "評価方法をめぐって議論が分かれました。")
            #expect(answer.value.commentsRead == 2)
            let requests = server.received
            #expect(requests.count == 2)
            #expect(requests[1].bodyText.contains("overview names alice_ml"))
            #expect(!requests[0].bodyText.contains("alice_ml") && !requests[0].bodyText.contains("bob"))
        }
    }

    @Test func aThreadIsCutToWhatOneSummaryReads() async throws {
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.completion(Self.answer())])
        let comment = String(repeating: "x", count: 1_000)
        try await withTestHTTPServer(server.handler) { port in
            let summarizer = ThreadSummarizer(client: testClient(port: port), edition: .japanese)
            let answer = try await summarizer.summarize(
                title: "A model", comments: Array(repeating: ThreadCommentText(depth: 1, text: comment), count: 100), commenters: [])
            #expect(answer.value.commentsRead == ThreadSummarizer.maximumThreadCharacters / 1_000)
            #expect(server.received[0].body.count < ThreadSummarizer.maximumThreadCharacters + 10_000)
        }
    }
}
