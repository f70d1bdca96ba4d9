import Foundation
import KawarabanCore
import Logging
import Testing
import TestSupport
@testable import LLM
@testable import Newsroom

/// A register problem is re-asked once with the reason, then accepted and noted, never silently.
@Suite struct OneVoiceTests {
    func client(port: Int) -> ChatClient { testClient(port: port) }

    let article = Article(title: "Lab ships a model", blocks: [.paragraph([.text("A lab shipped a model today.")])])

    /// The sensible analysis with its TL;DR replaced: plain is right for a TL;DR.
    func analysis(tldr: String) -> TestResponse {
        ScriptedLLMServer.completion(ScriptedLLMServer.analysisJSON.replacingOccurrences(
            of: "70億パラメータの公開モデルが、難関の推論ベンチマークで複数の大型商用モデルを上回った。", with: tldr))
    }

    static let politeTLDR = "公開モデルが首位になりました。大型モデルを上回ったのです。"

    @Test func aMixedRegisterIsAskedAgainOnceWithTheReason() async throws {
        let server = ScriptedLLMServer(script: [analysis(tldr: Self.politeTLDR)])
        try await withTestHTTPServer(server.handler) { port in
            let result = try await Analyst(client: client(port: port), edition: .japanese)
                .analyse(article: article, sourceName: "Wire", url: "https://wire.example/a")
            #expect(server.received.count == 2)
            #expect(server.received[1].bodyText.contains("tldr: 2 of 2 sentences end in polite style"))
            #expect(result.qualityNotes == nil)
        }
    }

    @Test func aSecondMixedAnswerIsAcceptedWithItsNoteAfterExactlyOneReAsk() async throws {
        let server = ScriptedLLMServer(script: [analysis(tldr: Self.politeTLDR), analysis(tldr: Self.politeTLDR),
                                                analysis(tldr: Self.politeTLDR)])
        try await withTestHTTPServer(server.handler) { port in
            let result = try await Analyst(client: client(port: port), edition: .japanese)
                .analyse(article: article, sourceName: "Wire", url: "https://wire.example/a")
            // Three attempts are configured; a register problem takes two.
            #expect(server.received.count == 2)
            let notes = try #require(result.qualityNotes)
            #expect(notes.count == 1)
            #expect(notes[0].contains("tldr: 2 of 2 sentences end in polite style (です・ます調)"))
            #expect(result.tldr == Self.politeTLDR)
        }
    }

    @Test func aFlawedAnswerFollowedOnlyByInvalidOnesIsKeptRatherThanFailed() async throws {
        let server = ScriptedLLMServer(script: [analysis(tldr: Self.politeTLDR), ScriptedLLMServer.completion("not json"),
                                                ScriptedLLMServer.completion("{}")])
        try await withTestHTTPServer(server.handler) { port in
            let result = try await Analyst(client: client(port: port), edition: .japanese)
                .analyse(article: article, sourceName: "Wire", url: "https://wire.example/a")
            #expect(server.received.count == 3)
            #expect(result.tldr == Self.politeTLDR)
            #expect(result.qualityNotes?.count == 1)
        }
    }

    @Test func otherProblemsKeepTheConfiguredAttempts() async throws {
        let twoPoints = ScriptedLLMServer.analysisJSON.replacingOccurrences(
            of: #",{"heading":"評価への慎重論","body":"ベンチマークの成績が実務に通用するかは検証が必要だと指摘された。"}"#, with: "")
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.completion(twoPoints), ScriptedLLMServer.completion(twoPoints)])
        try await withTestHTTPServer(server.handler) { port in
            let result = try await Analyst(client: client(port: port), edition: .japanese)
                .analyse(article: article, sourceName: "Wire", url: "https://wire.example/a")
            #expect(server.received.count == 3)
            #expect(result.qualityNotes == nil)
        }
    }

    @Test func theStyleSettingDecidesTheRegisterAndOnlyJapaneseIsChecked() async throws {
        let politeBody = Edition(languageCode: "ja", languageName: "日本語", timeZone: Edition.japanese.timeZone,
                                 style: EditorialStyle(body: .polite, commentary: .polite))
        let server = ScriptedLLMServer(script: [analysis(tldr: Self.politeTLDR)])
        try await withTestHTTPServer(server.handler) { port in
            let result = try await Analyst(client: client(port: port), edition: politeBody)
                .analyse(article: article, sourceName: "Wire", url: "https://wire.example/a")
            // The key points are plain: under a polite body they are asked again, and the sensible
            // second answer, plain too, is accepted with its note.
            #expect(server.received.count == 2)
            #expect(server.received[1].bodyText.contains("key_points[0].body: 1 of 1 sentences end in plain style"))
            #expect(result.qualityNotes?.first?.contains("key_points[0].body") == true)
            #expect(server.received[0].bodyText.contains("write tldr and every key point body in polite style"))
        }
        let english = Edition(languageCode: "en", languageName: "English", timeZone: TimeZone(secondsFromGMT: 0)!)
        let untouched = ScriptedLLMServer(script: [analysis(tldr: Self.politeTLDR)])
        try await withTestHTTPServer(untouched.handler) { port in
            let result = try await Analyst(client: client(port: port), edition: english)
                .analyse(article: article, sourceName: "Wire", url: "https://wire.example/a")
            #expect(untouched.received.count == 1)
            #expect(result.qualityNotes == nil)
            #expect(!untouched.received[0].bodyText.contains("Register:"))
        }
    }

    @Test func aTranslatedBodyThatTurnsPoliteIsAskedOnceThenNoted() async throws {
        let blocks: [Block] = [.paragraph([.text("The lab shipped a model.")]), .paragraph([.text("It is fast.")]),
                               .heading(level: 2, [.text("What it costs")])]
        let mixed = ScriptedLLMServer.completion(#"{"segments":[{"id":"0","text":"研究所がモデルを公開した。"},"#
            + #"{"id":"1","text":"とても速いです。"},{"id":"2","text":"価格はいくらですか"}]}"#)
        let server = ScriptedLLMServer(script: [mixed, mixed])
        try await withTestHTTPServer(server.handler) { port in
            let translation = try await Translator(client: client(port: port), edition: .japanese).translate(blocks)
            #expect(server.received.count == 2)
            #expect(server.received[1].bodyText.contains("the body must be in one register: 1 of 2 sentences end in polite style"))
            let notes = try #require(translation.qualityNotes)
            #expect(notes.count == 1)
            #expect(notes[0].contains("とても速いです"))
            // The heading is polite too, but a heading has no register.
            #expect(!notes[0].contains("価格はいくら"))
        }
    }

    @Test func everyBatchOfABodyIsHeldToTheSameRegister() async throws {
        // Two batches: the first plain, the second polite. Each is held to the edition's body register,
        // so the switch between batches is caught in the second.
        let long = String(repeating: "word ", count: Translator.batchCharacters / 5)
        let blocks: [Block] = [.paragraph([.text(long)]), .paragraph([.text(long)])]
        let server = ScriptedLLMServer(script: [
            ScriptedLLMServer.completion(#"{"segments":[{"id":"0","text":"モデルを公開した。"}]}"#),
            ScriptedLLMServer.completion(#"{"segments":[{"id":"1","text":"モデルを公開しました。"}]}"#),
            ScriptedLLMServer.completion(#"{"segments":[{"id":"1","text":"モデルを公開した。"}]}"#),
        ])
        try await withTestHTTPServer(server.handler) { port in
            let translation = try await Translator(client: client(port: port), edition: .japanese).translate(blocks)
            #expect(server.received.count == 3)
            #expect(server.received[2].bodyText.contains("1 of 1 sentences end in polite style"))
            #expect(translation.qualityNotes == nil)
        }
    }
}
