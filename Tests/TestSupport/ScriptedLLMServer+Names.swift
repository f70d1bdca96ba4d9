import Foundation
import Synchronization

/// A model that cannot make up its mind about a name: the scripted server's sensible answers,
/// except that one name is rendered one way on odd calls and another way on even ones (counted
/// per task, so that analyses alternate among themselves however they interleave with
/// translations), in the analysis (headline, TL;DR, a key point, impact, editorial, tags and the
/// entity) and in the translation (wherever a segment still shows the name). Requests are
/// recorded by the server.
extension ScriptedLLMServer {
    public func handlerRendering(_ name: String, kind: String, alternatelyAs renderings: (String, String)) -> TestHandler {
        let calls = CallCounter()
        return { request in
            let sensible = await self.handler(request)
            let schema = Self.schemaName(of: request)
            // Only the analysis and the translation name the person; triage stays the sensible one.
            if schema == "triage" { return sensible }
            let rendering = calls.next(schema) % 2 == 1 ? renderings.0 : renderings.1
            guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return sensible }
            guard schema == "translation", let segments = Self.firstUserSegments(json) else {
                return Self.completion(Self.analysis(naming: name, kind: kind, as: rendering))
            }
            let translated = segments.map { segment -> [String: String] in
                let text = (segment["text"] ?? "").replacingOccurrences(of: name, with: rendering)
                return ["id": segment["id"] ?? "", "text": "「訳」" + Self.latinWord.stringByReplacingMatches(
                    in: text, range: NSRange(location: 0, length: text.utf16.count), withTemplate: "訳")]
            }
            let data = (try? JSONSerialization.data(withJSONObject: ["segments": translated])) ?? Data()
            return Self.completion(String(decoding: data, as: UTF8.self))
        }
    }

    /// A valid analysis about `name`, written as `rendering` everywhere.
    static func analysis(naming name: String, kind: String, as rendering: String) -> String {
        let answer: [String: Any] = [
            "title": "\(rendering)氏、AIの次の段階を語る",
            "tldr": "\(rendering)氏が講演で次世代モデルの方針を説明した。",
            "key_points": [
                ["heading": "\(rendering)氏の発言", "body": "\(rendering)氏は安全性と規模の両立を強調した。"],
                ["heading": "新モデルの計画", "body": "次世代モデルの公開時期は明かされなかった。"],
                ["heading": "業界の反応", "body": "競合各社も同様の方針を示している。"],
            ],
            "impact": "\(rendering)氏の方針は業界全体の開発計画に影響します。",
            "editorial": "\(rendering)氏の発言が実際の製品にどう反映されるかを見守りたいと思います。",
            "tags": [rendering, "AI"],
            "entities": [["name": name, "kind": kind, "rendering": rendering, "main": true]],
            "scores": ["depth": 4, "relevance": 5, "practicality": 3, "novelty": 3],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: answer)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Counts calls by task across the server's concurrent handlers.
private final class CallCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func next(_ task: String) -> Int { counts.withLock { $0[task, default: 0] += 1; return $0[task] ?? 0 } }
}
