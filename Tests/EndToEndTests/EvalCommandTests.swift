import Foundation
import Testing
import TestSupport

/// `kawaraban eval DIR` through the built executable, against a scripted model whose bad answers
/// the printed figures must count exactly.
@Suite struct EvalCommandTests {
    static func write(_ articles: [String: String], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in articles {
            let json: [String: String] = ["title": "Story \(name)", "source": "Wire", "url": "https://wire.example/\(name)",
                                          "language": "en", "text": text]
            try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent(name))
        }
    }

    /// The cells of the table row of `task`, split at runs of spaces.
    static func row(_ task: String, in output: String) -> [String] {
        let line = output.split(separator: "\n").first { $0.hasPrefix(task + " ") } ?? ""
        return line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Test func badAnswersAreCountedAsReAskedFailedOrInconsistent() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write(["a.json": "Run `npm test` before you ship.\n\nThen ship the release.",
                        "b.json": "The lab shipped a model.\n\nIt is fast."], to: folder)
        let twoPoints = ScriptedLLMServer.analysisJSON.replacingOccurrences(
            of: #",{"heading":"評価への慎重論","body":"ベンチマークの成績が実務に通用するかは検証が必要だと指摘された。"}"#, with: "")
        let mixed = ScriptedLLMServer.completion(
            #"{"segments":[{"id":"0","text":"研究所がモデルを公開した。"},{"id":"1","text":"とても速いです。"}]}"#)
        let noSegments = ScriptedLLMServer.completion(#"{"segments":[]}"#)
        let llm = ScriptedLLMServer(script: [
            ScriptedLLMServer.completion(#"{"verdicts":[{"id":1,"about_ai":true,"worth":4,"reason":"AIの話題"}]}"#),   // a: right
            ScriptedLLMServer.completion(#"{"verdicts":[{"id":1,"about_ai":false,"worth":1,"reason":"無関係"}]}"#),   // b: wrong
            ScriptedLLMServer.completion(twoPoints), ScriptedLLMServer.completion(ScriptedLLMServer.analysisJSON), // a: re-asked
            ScriptedLLMServer.completion(ScriptedLLMServer.analysisJSON),                                        // b: first try
            noSegments, noSegments, noSegments,                                                                  // a: fails
            mixed, mixed,                                                                                        // b: noted
        ])
        let database = folder.appendingPathComponent("never.sqlite").path
        try await withTestHTTPServer(llm.handler) { port in
            let kawaraban = KawarabanProcess(environment: [
                "KAWARABAN_DATABASE": database, "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(port)/v1",
                "KAWARABAN_LLM_MODEL": "scripted-model",
            ])
            let result = try await kawaraban.succeed(["eval", folder.path])
            // task, articles, first try, after re-ask, failed, placeholders, register, glossary, triage,
            // script, tokens
            let triage = Self.row("triage", in: result.output)
            #expect(Array(triage.prefix(9)) == ["triage", "2", "2", "0", "0", "-", "-", "-", "1/2"], "\(result.output)")
            #expect(triage.count > 10 && triage[10] == "200/100", "\(result.output)")
            let analysis = Self.row("analysis", in: result.output)
            #expect(Array(analysis.prefix(9)) == ["analysis", "2", "1", "1", "0", "-", "2/2", "-", "-"], "\(result.output)")
            #expect(analysis.count > 10 && analysis[10] == "300/150", "\(result.output)")
            let translation = Self.row("translation", in: result.output)
            #expect(Array(translation.prefix(10)) == ["translation", "2", "0", "1", "1", "1/1", "0/1", "-", "-", "100%"],
                    "\(result.output)")
            #expect(translation.count > 10 && translation[10] == "200/100", "\(result.output)")
            #expect(result.output.contains("translation failed on a.json: the model's answer was invalid after 3 attempts: segments 0, 1 are missing"),
                    "\(result.output)")
            #expect(llm.received.count == 10)
        }
        #expect(!FileManager.default.fileExists(atPath: database), "eval must not open a database")
    }

    @Test func theShippedSampleRunsCleanAgainstASensibleModel() async throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/eval")
        let llm = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(llm.handler) { port in
            let kawaraban = KawarabanProcess(environment: [
                "KAWARABAN_DATABASE": FileManager.default.temporaryDirectory.appendingPathComponent("unused-\(UUID()).sqlite").path,
                "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(port)/v1", "KAWARABAN_LLM_MODEL": "scripted-model",
            ])
            let result = try await kawaraban.succeed(["eval", sample.path])
            #expect(result.output.hasPrefix("15 articles from"), "\(result.output)")
            // Three of the fifteen are not about AI (a recipe, a match report, a council vote).
            #expect(Array(Self.row("triage", in: result.output).prefix(9))
                        == ["triage", "15", "15", "0", "0", "-", "-", "-", "15/15"], "\(result.output)")
            #expect(Array(Self.row("analysis", in: result.output).prefix(7)) == ["analysis", "15", "15", "0", "0", "-", "15/15"],
                    "\(result.output)")
            let translation = Self.row("translation", in: result.output)
            #expect(Array(translation.prefix(7)) == ["translation", "15", "15", "0", "0", "15/15", "15/15"], "\(result.output)")
            // Masked names come back as the glossary's renderings whatever the model does.
            let glossary = translation.count > 7 ? translation[7].split(separator: "/") : []
            #expect(glossary.count == 2 && glossary[0] == glossary[1] && glossary[0] != "0", "\(result.output)")
        }
    }
}
