import Foundation
import Synchronization

/// An OpenAI-compatible chat-completions server for tests. Scripted responses (answers, faults,
/// delays) are served first, in order; after them, or when there are none, it answers sensibly:
///
/// - any request that is not a translation or triage request gets `analysisJSON`, a fixed, valid
///   Japanese analysis (scores 5,5,3,2, so importance 4, and one entity, Example Lab, named only
///   when the article names it: articles about other things are not about one company, which
///   would make them one story);
/// - a triage request (schema "triage", or a first user message holding `{"items":[…]}`) gets a
///   verdict for every item by its content (`triageAnswer`);
/// - a translation request (schema "translation", or a first user message holding
///   `{"segments":[{"id","text"}]}`) gets every segment back "translated": 「訳」 put before it and
///   every Latin word replaced by 訳, so that it reads as Japanese, with every placeholder
///   (digits between ⟦ and ⟧) left exactly as it was.
///
/// A body that is not JSON gets HTTP 400. Scripted entries are plain `TestResponse`s: use
/// `completion(_:)` for an answer (invalid JSON, a dropped placeholder, a wrong language…) and
/// `failure(status:retryAfter:)` for an HTTP fault.
///
/// With `wire: .anthropic` it speaks Anthropic's Messages API instead (see
/// ScriptedLLMServer+Anthropic.swift): the same answers, as tool calls.
///
/// It reads requests as JSON only; it uses none of Kawaraban's code. Every request is recorded,
/// and so are the tokens its answers report. The sensible answers report usage that varies with
/// the request (a token per four bytes of request, a token per three bytes of answer), so that a
/// count that mixes calls up does not come out right by accident.
public final class ScriptedLLMServer: Sendable {
    /// The protocol the server speaks.
    public enum Wire: String, Sendable, CaseIterable {
        case openAI, anthropic
    }

    private let script: Mutex<[TestResponse]>
    private let requests = Mutex<[TestRequest]>([])
    private let usages = Mutex<[ReturnedUsage]>([])
    private let delay: Duration
    public let wire: Wire

    public init(script: [TestResponse] = [], delay: Duration = .zero, wire: Wire = .openAI) {
        self.script = Mutex(script)
        self.delay = delay
        self.wire = wire
    }

    public static func sensible(delay: Duration = .zero, wire: Wire = .openAI) -> ScriptedLLMServer {
        ScriptedLLMServer(delay: delay, wire: wire)
    }

    public var handler: TestHandler {
        { request in
            self.requests.withLock { $0.append(request) }
            if self.wire == .anthropic, let refusal = Self.anthropicRefusal(of: request) { return refusal }
            var response = self.script.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? Self.sensibleAnswer(to: request)
            if self.wire == .anthropic { response = Self.anthropicForm(of: response, to: request) }
            if response.delay == .zero { response.delay = self.delay }
            if let reported = Self.reportedUsage(in: response) {
                self.usages.withLock { $0.append(reported) }
            }
            return response
        }
    }

    public var received: [TestRequest] { requests.withLock { $0 } }

    /// The tokens the answers served so far reported in their `usage` fields.
    public struct ReturnedUsage: Sendable, Equatable {
        public var promptTokens = 0
        public var completionTokens = 0
        public var total: Int { promptTokens + completionTokens }
    }

    /// Each answer's usage, in the order served.
    public var returnedUsages: [ReturnedUsage] { usages.withLock { $0 } }

    public var returnedUsage: ReturnedUsage {
        returnedUsages.reduce(into: ReturnedUsage()) {
            $0.promptTokens += $1.promptTokens
            $0.completionTokens += $1.completionTokens
        }
    }

    /// The usage an answer reports, in either protocol's fields (Anthropic's prompt is its three
    /// input counts together).
    static func reportedUsage(in response: TestResponse) -> ReturnedUsage? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let usage = json["usage"] as? [String: Any]
        else { return nil }
        if let prompt = usage["prompt_tokens"] as? Int, let completion = usage["completion_tokens"] as? Int {
            return ReturnedUsage(promptTokens: prompt, completionTokens: completion)
        }
        guard let input = usage["input_tokens"] as? Int, let output = usage["output_tokens"] as? Int else { return nil }
        let cached = (usage["cache_creation_input_tokens"] as? Int ?? 0) + (usage["cache_read_input_tokens"] as? Int ?? 0)
        return ReturnedUsage(promptTokens: input + cached, completionTokens: output)
    }

    /// Requests asking for the schema of this name ("analysis" or "translation").
    public func requestCount(schema: String) -> Int {
        received.filter { Self.schemaName(of: $0) == schema }.count
    }

    /// A successful completion whose message content is `content`.
    public static func completion(_ content: String, model: String = "scripted-model", finishReason: String = "stop",
                                  promptTokens: Int = 100, completionTokens: Int = 50) -> TestResponse {
        let body: [String: Any] = [
            "id": "chatcmpl-test", "object": "chat.completion", "model": model,
            "choices": [["index": 0, "finish_reason": finishReason, "message": ["role": "assistant", "content": content]]],
            "usage": ["prompt_tokens": promptTokens, "completion_tokens": completionTokens,
                      "total_tokens": promptTokens + completionTokens],
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
        "entities":[{"name":"Example Lab","kind":"organisation","rendering":"エグザンプル・ラボ","main":true}],\
        "scores":{"depth":5,"relevance":5,"practicality":3,"novelty":2}}
        """

    /// The entities of `analysisJSON`, as written there.
    public static let analysisEntities = """
        "entities":[{"name":"Example Lab","kind":"organisation","rendering":"エグザンプル・ラボ","main":true}]
        """

    public static func sensibleAnswer(to request: TestRequest) -> TestResponse {
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .text("{\"error\":\"the body is not JSON\"}", contentType: "application/json", status: 400)
        }
        func answer(_ content: String) -> TestResponse {
            completion(content, promptTokens: request.body.count / 4 + 1, completionTokens: content.utf8.count / 3 + 1)
        }
        if schemaName(of: request) == "triage", let items = firstUserPayload(json)?["items"] as? [[String: Any]] {
            return triageAnswer(items)
        }
        guard schemaName(of: request) == "translation", let segments = firstUserSegments(json) else {
            let body = String(decoding: request.body, as: UTF8.self)
            let namesTheLab = ["Example Lab", "Example Research Lab"].contains { body.contains($0) }
            return answer(namesTheLab ? analysisJSON : analysisJSON.replacingOccurrences(of: analysisEntities, with: "\"entities\":[]"))
        }
        let translated = segments.map { segment -> [String: String] in
            ["id": segment["id"] ?? "", "text": "「訳」" + latinWord.stringByReplacingMatches(
                in: segment["text"] ?? "", range: NSRange(location: 0, length: (segment["text"] ?? "").utf16.count),
                withTemplate: "訳")]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["segments": translated])) ?? Data()
        return answer(String(decoding: data, as: UTF8.self))
    }

    static let latinWord = try! NSRegularExpression(pattern: "[A-Za-z]+")

    public static func schemaName(of request: TestRequest) -> String {
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return "" }
        if let format = json["response_format"] as? [String: Any],
           let schema = format["json_schema"] as? [String: Any], let name = schema["name"] as? String {
            return name
        }
        if let tool = anthropicToolName(json) { return tool }
        if firstUserPayload(json)?["items"] != nil { return "triage" }
        return firstUserSegments(json) == nil ? "analysis" : "translation"
    }

    /// Words that make an item about AI for the sensible triage answer: whole words matched in
    /// any case, and Japanese terms anywhere.
    static let aiWords = try! NSRegularExpression(
        pattern: "\\b(AI|LLMs?|models?|GPT[-0-9a-z.]*|Claude|Gemini|OpenAI|Anthropic|neural|machine learning|chatbots?)\\b|生成AI|人工知能|機械学習|大規模言語モデル",
        options: [.caseInsensitive])

    /// A verdict per item: about AI, worth 4, when its title or summary names an AI word (`aiWords`);
    /// otherwise not about AI, worth 1. Each with a short reason.
    static func triageAnswer(_ items: [[String: Any]]) -> TestResponse {
        let verdicts = items.map { item -> [String: Any] in
            let text = "\(item["title"] as? String ?? "") \(item["summary"] as? String ?? "")"
            let aboutAI = aiWords.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
            return ["id": item["id"] ?? 0, "about_ai": aboutAI, "worth": aboutAI ? 4 : 1,
                    "reason": aboutAI ? "AIの話題を扱う" : "AIと無関係な話題"]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["verdicts": verdicts])) ?? Data()
        return completion(String(decoding: data, as: UTF8.self))
    }

    /// The first user message read as a JSON object, when it is one.
    public static func firstUserPayload(_ json: [String: Any]) -> [String: Any]? {
        guard let messages = json["messages"] as? [[String: Any]],
              let content = messages.first(where: { $0["role"] as? String == "user" })?["content"] as? String
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any]
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
