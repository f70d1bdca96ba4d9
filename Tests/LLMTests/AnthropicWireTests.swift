import AsyncHTTPClient
import Foundation
import Logging
import Testing
import TestSupport
@testable import LLM

/// The Messages API through the one client, against the scripted server in its Anthropic mode.
@Suite struct AnthropicWireTests {
    struct Answer: Decodable, Sendable { var value: Int }

    func client(port: Int, apiKey: String? = "secret", pauses: ChatClientTests.Pauses? = nil) -> ChatClient {
        ChatClient(
            configuration: LLMConfiguration(provider: .anthropic, baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                                            model: "claude-test", apiKey: apiKey, retryBaseDelay: ChatClientTests.base),
            logger: Logger(label: "llm-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
            sleep: { pause in
                if let pauses { pauses.record(pause) } else { try await Task.sleep(for: pause) }
            })
    }

    static let schema = JSONValue.object([
        "type": .string("object"), "properties": .object(["value": .object(["type": .string("integer")])]),
        "required": .array([.string("value")]),
    ])

    let request = ChatRequest(task: .analysis, messages: [.system("Answer with JSON."), .system("Be brief."), .user("{\"n\":1}")],
                              responseSchema: ResponseSchema(name: "answer", schema: AnthropicWireTests.schema),
                              temperature: 0.2, maximumTokens: 300)

    func json(_ request: TestRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    @Test func headersSystemPlacementAndToolUseFollowTheMessagesAPI() async throws {
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.completion("{\"value\": 7}", model: "claude-answered")],
                                       wire: .anthropic)
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await client(port: port).completeJSON(request, as: Answer.self, purpose: "test") { $0.value }
            #expect(answer.value == 7)
            #expect(answer.model == "claude-answered")
            // The server splits 100 prompt tokens over input 70, cache creation 10 and cache read 20.
            #expect(answer.usage == TokenUsage(promptTokens: 100, completionTokens: 50))
            let sent = try #require(server.received.first)
            #expect(sent.path == "/v1/messages")
            #expect(sent.header("x-api-key") == "secret")
            #expect(sent.header("anthropic-version") == "2023-06-01")
            #expect(sent.header("content-type") == "application/json")
            #expect(sent.header("authorization") == nil)
            let body = try json(sent)
            #expect(body["model"] as? String == "claude-test")
            #expect(body["max_tokens"] as? Int == 300)
            #expect(body["temperature"] as? Double == 0.2)
            #expect(body["system"] as? String == "Answer with JSON.\n\nBe brief.")
            let messages = try #require(body["messages"] as? [[String: String]])
            #expect(messages == [["role": "user", "content": "{\"n\":1}"]])
            let tools = try #require(body["tools"] as? [[String: Any]])
            #expect(tools.count == 1)
            #expect(tools.first?["name"] as? String == "answer")
            let inputSchema = try #require(tools.first?["input_schema"] as? [String: Any])
            #expect(inputSchema["required"] as? [String] == ["value"])
            #expect(body["tool_choice"] as? [String: String] == ["type": "tool", "name": "answer"])
            #expect(body["response_format"] == nil)
        }
    }

    @Test func aRequestWithoutABoundGetsTheDefaultMaximumAndNoTools() async throws {
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.completion("plain words")], wire: .anthropic)
        try await withTestHTTPServer(server.handler) { port in
            let completion = try await client(port: port).complete(ChatRequest(task: .digest, messages: [.user("hello")]))
            #expect(completion.content == "plain words")
            let body = try json(try #require(server.received.first))
            #expect(body["max_tokens"] as? Int == AnthropicWire.defaultMaximumTokens)
            #expect(body["system"] == nil)
            #expect(body["tools"] == nil)
            #expect(body["tool_choice"] == nil)
        }
    }

    @Test func aTextOnlyAnswerIsReAskedEvenWhenItHoldsJSON() async throws {
        let server = ScriptedLLMServer(script: [
            ScriptedLLMServer.anthropicText("Here it is: {\"value\": 3}"),
            ScriptedLLMServer.completion("{\"value\": 4}"),
        ], wire: .anthropic)
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await client(port: port).completeJSON(request, as: Answer.self, purpose: "test") { $0.value }
            #expect(answer.value == 4)
            #expect(answer.attempts == 2)
            let messages = try #require(try json(server.received[1])["messages"] as? [[String: String]])
            #expect(messages.map { $0["role"] } == ["user", "assistant", "user"])
            #expect(messages[1]["content"] == "Here it is: {\"value\": 3}")
            #expect(messages[2]["content"]?.contains("give it only as a call of the tool answer") == true)
        }
    }

    @Test func anAnswerStoppedAtMaxTokensIsCutOffAndReAsked() async throws {
        let server = ScriptedLLMServer(script: [
            ScriptedLLMServer.completion("{\"value\": 12}", finishReason: "length"),
            ScriptedLLMServer.completion("{\"value\": 2}"),
        ], wire: .anthropic)
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await client(port: port).completeJSON(request, as: Answer.self, purpose: "test") { answer in
                guard answer.value < 10 else { throw AnswerRejected("value must be below 10") }
                return answer.value
            }
            #expect(answer.value == 2)
            #expect(answer.usage == TokenUsage(promptTokens: 200, completionTokens: 100))
            #expect(server.received[1].bodyText.contains("cut off at the token limit"))
        }
        let cutOff = ScriptedLLMServer(script: [ScriptedLLMServer.completion("{\"value\": 1}", finishReason: "length")],
                                       wire: .anthropic)
        try await withTestHTTPServer(cutOff.handler) { port in
            let completion = try await client(port: port).complete(request)
            #expect(completion.wasCutOff)
        }
    }

    @Test func overloadedIsRetriedAfterItsPauseWhateverTheStatus() async throws {
        var overloadedWithOK = ScriptedLLMServer.overloaded()
        overloadedWithOK.status = 200
        let server = ScriptedLLMServer(script: [
            ScriptedLLMServer.overloaded(retryAfter: 1), overloadedWithOK, ScriptedLLMServer.completion("{\"value\": 7}"),
        ], wire: .anthropic)
        let pauses = ChatClientTests.Pauses()
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await client(port: port, pauses: pauses).completeJSON(request, as: Answer.self, purpose: "test") { $0.value }
            #expect(answer.value == 7)
            #expect(server.received.count == 3)
            #expect(pauses.taken.first == .seconds(1))
            #expect(pauses.taken.count == 2)
        }
    }

    @Test func overloadedEveryTimeIsReportedAsTransient() async throws {
        let server = ScriptedLLMServer(script: (0..<3).map { _ in ScriptedLLMServer.overloaded() }, wire: .anthropic)
        try await withTestHTTPServer(server.handler) { port in
            do throws(LLMError) {
                _ = try await client(port: port, pauses: ChatClientTests.Pauses()).complete(request)
                Issue.record("529 three times must fail")
            } catch {
                guard case .overloaded(let status, _) = error else { Issue.record("unexpected \(error)"); return }
                #expect(status == 529)
                #expect(error.isTransient)
                #expect(error.description.contains("overloaded"))
            }
            #expect(server.received.count == 3)
        }
    }

    @Test func aMissingKeyIsRefusedAndNamesTheSetting() async throws {
        let server = ScriptedLLMServer.sensible(wire: .anthropic)
        try await withTestHTTPServer(server.handler) { port in
            do throws(LLMError) {
                _ = try await client(port: port, apiKey: nil).complete(request)
                Issue.record("a request without x-api-key must fail")
            } catch {
                guard case .unauthorized(401, _) = error else { Issue.record("unexpected \(error)"); return }
                #expect(error.description.contains("KAWARABAN_LLM_API_KEY"))
            }
            #expect(server.received.count == 1)
        }
    }

    /// Bodies an endpoint may send instead of a message; the test's arguments are these names, so
    /// that 8 MiB are not printed.
    enum UnreadableBody: String, CaseIterable, Sendable {
        case oversized, garbage, contentNotAList, nested100000Deep, truncated

        var bytes: [UInt8] {
            switch self {
            case .oversized: Array(repeating: UInt8(ascii: " "), count: ChatClient.maximumResponseBytes + 1)
            case .garbage: Array("<html>\u{0}\u{7F}not json".utf8)
            case .contentNotAList: Array("{\"type\":\"message\",\"content\":\"{\\\"value\\\":1}\"}".utf8)
            case .nested100000Deep:
                Array(("{\"type\":\"message\",\"content\":[{\"type\":\"tool_use\",\"input\":{\"a\":"
                       + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
                       + "}}],\"stop_reason\":\"tool_use\"}").utf8)
            case .truncated: Array("{\"type\":\"message\",\"content\":[{\"type\":\"tool_use\",\"input\":{\"value\":".utf8)
            }
        }
    }

    @Test(arguments: UnreadableBody.allCases)
    func anUnreadableBodyIsRefusedWithoutRetrying(body: UnreadableBody) async throws {
        let name = body.rawValue
        let server = ScriptedLLMServer(script: [TestResponse(headers: [("Content-Type", "application/json")], body: body.bytes)],
                                       wire: .anthropic)
        try await withTestHTTPServer(server.handler) { port in
            do throws(LLMError) {
                _ = try await client(port: port).complete(request)
                Issue.record("\(name) was accepted")
            } catch {
                guard case .badResponse = error else { Issue.record("\(name): unexpected \(error)"); return }
                #expect(!error.isTransient)
            }
            #expect(server.received.count == 1)
        }
    }
}
