import Foundation
import Synchronization

/// An OpenAI-compatible chat-completions server for tests. Scripted responses (answers, faults,
/// delays) are served first, in order; after them, or when there are none, it answers sensibly:
///
/// - any request that is not a translation request gets `analysisJSON`, a fixed, valid Japanese
///   analysis (scores 5,5,3,2, so importance 4);
/// - a translation request (schema "translation", or a first user message holding
///   `{"segments":[{"id","text"}]}`) gets every segment back "translated": 「訳」 put before it and
///   every Latin word replaced by 訳, so that it reads as Japanese, with every placeholder
///   (digits between ⟦ and ⟧) left exactly as it was.
///
/// A body that is not JSON gets HTTP 400. Scripted entries are plain `TestResponse`s: use
/// `completion(_:)` for an answer (invalid JSON, a dropped placeholder, a wrong language…) and
/// `failure(status:retryAfter:)` for an HTTP fault.
///
/// It reads requests as JSON only; it uses none of Kawaraban's code. Every request is recorded.
public final class ScriptedLLMServer: Sendable {
    private let script: Mutex<[TestResponse]>
    private let requests = Mutex<[TestRequest]>([])
    private let delay: Duration

    public init(script: [TestResponse] = [], delay: Duration = .zero) {
        self.script = Mutex(script)
        self.delay = delay
    }

    public static func sensible(delay: Duration = .zero) -> ScriptedLLMServer {
        ScriptedLLMServer(delay: delay)
    }

    public var handler: TestHandler {
        { request in
            self.requests.withLock { $0.append(request) }
            var response = self.script.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? Self.sensibleAnswer(to: request)
            if response.delay == .zero { response.delay = self.delay }
            return response
        }
    }

    public var received: [TestRequest] { requests.withLock { $0 } }

    /// Requests asking for the schema of this name ("analysis" or "translation").
    public func requestCount(schema: String) -> Int {
        received.filter { Self.schemaName(of: $0) == schema }.count
    }

    /// A successful completion whose message content is `content`.
    public static func completion(_ content: String, model: String = "scripted-model", finishReason: String = "stop") -> TestResponse {
        let body: [String: Any] = [
            "id": "chatcmpl-test", "object": "chat.completion", "model": model,
            "choices": [["index": 0, "finish_reason": finishReason, "message": ["role": "assistant", "content": content]]],
            "usage": ["prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return TestResponse(headers: [("Content-Type", "application/json")], body: Array(data))
    }

    /// An HTTP error such as 429 (with Retry-After in seconds), 500 or 401, with a JSON error body.
    public static func failure(status: Int, retryAfter: Int? = nil, message: String = "scripted failure") -> TestResponse {
        let body = (try? JSONSerialization.data(withJSONObject: ["error": ["message": message]])) ?? Data()
        var response = TestResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(body))
        if let retryAfter { response.headers.append(("Retry-After", "\(retryAfter)")) }
        return response
    }

    public static let analysisJSON = """
        {"title":"オープンモデルが推論ベンチマークで大型モデルを上回る",\
        "tldr":"70億パラメータの公開モデルが、難関の推論ベンチマークで複数の大型商用モデルを上回った。",\
        "key_points":[{"heading":"小型モデルの躍進","body":"公開重みのモデルが最難関の問題群で71.4%を記録した。"},\
        {"heading":"段階的な学習","body":"難易度を段階的に上げる学習と検証器による選別が効いたとされる。"},\
        {"heading":"評価への慎重論","body":"ベンチマークの成績が実務に通用するかは検証が必要だと指摘された。"}],\
        "impact":"データの質が規模に勝り得ることを示し、小規模な研究組織にも機会を広げます。",\
        "editorial":"数字は印象的ですが、学習データとの重複の検証が今後の焦点になるでしょう。",\
        "tags":["オープンモデル","推論","ベンチマーク"],\
        "scores":{"depth":5,"relevance":5,"practicality":3,"novelty":2}}
        """

    public static func sensibleAnswer(to request: TestRequest) -> TestResponse {
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .text("{\"error\":\"the body is not JSON\"}", contentType: "application/json", status: 400)
        }
        guard schemaName(of: request) == "translation", let segments = firstUserSegments(json) else {
            return completion(analysisJSON)
        }
        let translated = segments.map { segment -> [String: String] in
            ["id": segment["id"] ?? "", "text": "「訳」" + latinWord.stringByReplacingMatches(
                in: segment["text"] ?? "", range: NSRange(location: 0, length: (segment["text"] ?? "").utf16.count),
                withTemplate: "訳")]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["segments": translated])) ?? Data()
        return completion(String(decoding: data, as: UTF8.self))
    }

    private static let latinWord = try! NSRegularExpression(pattern: "[A-Za-z]+")

    static func schemaName(of request: TestRequest) -> String {
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return "" }
        if let format = json["response_format"] as? [String: Any],
           let schema = format["json_schema"] as? [String: Any], let name = schema["name"] as? String {
            return name
        }
        return firstUserSegments(json) == nil ? "analysis" : "translation"
    }

    /// The segments of the first user message, the one that carries the article.
    static func firstUserSegments(_ json: [String: Any]) -> [[String: String]]? {
        guard let messages = json["messages"] as? [[String: Any]],
              let content = messages.first(where: { $0["role"] as? String == "user" })?["content"] as? String,
              let payload = try? JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any],
              let segments = payload["segments"] as? [[String: Any]]
        else { return nil }
        return segments.map { entry in entry.compactMapValues { $0 as? String } }
    }
}
