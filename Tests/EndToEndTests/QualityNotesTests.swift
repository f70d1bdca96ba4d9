import Foundation
import Testing
import TestSupport

/// An answer that keeps mixing registers is published with a quality note that `status` counts
/// and `items show` prints, never silently.
@Suite struct QualityNotesTests {
    @Test func aRegisterThatNeverSettlesIsPublishedWithANoteStatusCountsAndItemsShowPrints() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let sensible = ScriptedLLMServer.sensible()
        let politeTLDR = ScriptedLLMServer.analysisJSON.replacingOccurrences(
            of: "70億パラメータの公開モデルが、難関の推論ベンチマークで複数の大型商用モデルを上回った。",
            with: "公開モデルが首位になりました。")
        // Every analysis mixes registers; triage and translations are sensible.
        let model: TestHandler = { request in
            let answer = await sensible.handler(request)
            return ScriptedLLMServer.schemaName(of: request) == "analysis" ? ScriptedLLMServer.completion(politeTLDR) : answer
        }
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            try await withTestHTTPServer(model) { llmPort in
                let kawaraban = KawarabanProcess(environment: [
                    "KAWARABAN_DATABASE": database.location, "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
                    "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(llmPort)/v1", "KAWARABAN_LLM_MODEL": "scripted-model",
                ])
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)"])
                try await kawaraban.succeed(["collect"])
                try await kawaraban.succeed(["work", "--until-idle"])
                let status = try await kawaraban.succeed(["status"]).output
                #expect(status.contains("published   \(FixtureSite.articleCount)"), "\(status)")
                #expect(status.contains("Quality notes (accepted after one re-ask; see kawaraban items show ID): \(FixtureSite.articleCount)"),
                        "\(status)")
                // One analysis and one re-ask per article, never the third configured attempt.
                let analyses = sensible.received.filter { ScriptedLLMServer.schemaName(of: $0) == "analysis" }.count
                #expect(analyses == 2 * FixtureSite.articleCount)
                let shown = try await kawaraban.succeed(["items", "show", "1"]).output
                #expect(shown.contains("quality note: tldr: 1 of 1 sentences end in polite style (です・ます調)"), "\(shown)")
                #expect(shown.contains("公開モデルが首位になりました"), "\(shown)")
            }
        }
    }
}
