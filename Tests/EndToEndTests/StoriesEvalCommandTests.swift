import Foundation
import Testing
import TestSupport

/// `kawaraban stories eval` through the built executable: the matcher alone, then with the close
/// call sent to a scripted model, and a set that does not read.
@Suite struct StoriesEvalCommandTests {
    static func article(_ title: String, _ text: String, entities: [(String, Bool)], date: String) -> [String: Any] {
        ["outlet": "Wire", "date": date, "language": "en", "title": title, "text": text,
         "entities": entities.map { ["name": $0.0, "main": $0.1] }]
    }

    /// A reprint (same story), another company (unrelated), and a same-day article sharing only
    /// the company: a close call, labelled follow-up so that the model's answer shows in the figures.
    static var set: [String: Any] { [
        "articles": [
            "launch": article("Acme unveils Rocket-7", "Acme released Rocket-7, a model that reads 2 million tokens.",
                              entities: [("Acme", true), ("Rocket-7", true)], date: "2026-11-02T09:00:00Z"),
            "reprint": article("Acme unveils Rocket-7", "Acme released Rocket-7, a model that reads 2 million tokens.",
                               entities: [("Acme", true), ("Rocket-7", true)], date: "2026-11-02T12:00:00Z"),
            "globex": article("Globex cuts 300 jobs", "Globex will lay off staff in its cloud unit.",
                              entities: [("Globex", true)], date: "2026-11-02T13:00:00Z"),
            "hiring": article("Acme hires a finance chief", "The company named a former banker as CFO.",
                              entities: [("Acme", true), ("Jane Roe", true), ("Bank of Somewhere", false)],
                              date: "2026-11-02T20:00:00Z"),
        ],
        "pairs": [
            ["label": "same-story", "earlier": "launch", "later": "reprint", "heldOut": false],
            ["label": "unrelated", "earlier": "launch", "later": "globex", "heldOut": false],
            ["label": "follow-up", "earlier": "launch", "later": "hiring", "heldOut": true],
        ],
    ] }

    @Test func theTableCountsTheCloseCallWithAndWithoutTheModel() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-stories-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("pairs.json")
        try JSONSerialization.data(withJSONObject: Self.set).write(to: file)
        let llm = ScriptedLLMServer(script: [ScriptedLLMServer.completion(#"{"relations":[{"id":1,"relation":"follow-up"}]}"#)])
        try await withTestHTTPServer(llm.handler) { port in
            let kawaraban = KawarabanProcess(environment: [
                "KAWARABAN_DATABASE": folder.appendingPathComponent("never.sqlite").path,
                "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(port)/v1", "KAWARABAN_LLM_MODEL": "scripted-model",
            ])
            let alone = try await kawaraban.succeed(["stories", "eval", "--set", file.path]).output
            #expect(alone.contains("3 pairs (1 same-story, 1 follow-up, 1 unrelated): 2 tuning, 1 held out"), "\(alone)")
            #expect(alone.contains("close calls: 1, resolved as unrelated without a model: 0 same-story, 0 follow-up, 1 unrelated; 0 of them right"),
                    "\(alone)")
            #expect(alone.contains("pair 3 launch→hiring (held out): labelled follow-up, predicted unrelated (close call)"), "\(alone)")
            #expect(llm.requestCount(schema: "stories") == 0)

            let judged = try await kawaraban.succeed(["stories", "eval", "--set", file.path, "--model"]).output
            #expect(judged.contains("close calls: 1, judged by the model: 0 same-story, 1 follow-up, 0 unrelated; 1 of them right"),
                    "\(judged)")
            #expect(!judged.contains("wrong"), "\(judged)")
            #expect(llm.requestCount(schema: "stories") == 1)

            try Data(#"{"articles": {}, "pairs": [{"label": "same-story", "earlier": "a", "later": "b", "heldOut": false}]}"#.utf8)
                .write(to: file)
            let broken = try await kawaraban.run(["stories", "eval", "--set", file.path])
            #expect(broken.status != 0)
            #expect(broken.errors.contains("not a labelled set of story pairs: pair 1 names an article the set does not hold"),
                    "\(broken.errors)")
        }
    }
}
