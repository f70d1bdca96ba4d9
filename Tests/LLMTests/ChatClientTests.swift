import Foundation
import Logging
import Testing
import TestSupport
@testable import LLM

@Suite struct ChatClientTests {
    struct Answer: Decodable, Sendable { var value: Int }

    func client(port: Int, apiKey: String? = "secret", style: ResponseFormatStyle = .jsonSchema) -> ChatClient {
        ChatClient(
            configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "test-model",
                                            apiKey: apiKey, responseFormat: style, retryBaseDelay: .milliseconds(10)),
            logger: Logger(label: "llm-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    let request = ChatRequest(messages: [.system("Answer with JSON."), .user("{\"n\":1}")],
                              responseSchema: ResponseSchema(name: "answer", schema: .object(["type": .string("object")])))

    @Test func rateLimitIsRetriedAfterTheServersPause() async throws {
        let server = ScriptedLLMServer(script: [
            TestResponse(status: 429, headers: [("Retry-After", "1")], body: Array("slow down".utf8)),
            ScriptedLLMServer.completion("{\"value\": 7}"),
        ])
        try await withTestHTTPServer(server.handler) { port in
            let started = ContinuousClock.now
            let answer = try await client(port: port).completeJSON(request, as: Answer.self, purpose: "test") { $0.value }
            #expect(answer.value == 7)
            #expect(ContinuousClock.now - started >= .seconds(1))
            #expect(server.received.count == 2)
            #expect(answer.usage == TokenUsage(promptTokens: 100, completionTokens: 50))
        }
    }

    @Test func serverErrorsAreRetriedThenReported() async throws {
        let failures = (0..<3).map { _ in TestResponse(status: 503, body: Array("overloaded".utf8)) }
        let server = ScriptedLLMServer(script: failures)
        try await withTestHTTPServer(server.handler) { port in
            do throws(LLMError) {
                _ = try await client(port: port).complete(request)
                Issue.record("a 503 three times must fail")
            } catch {
                #expect(error.isTransient)
                #expect(error.description.contains("HTTP 503"))
            }
            #expect(server.received.count == 3)
        }
    }

    @Test func aRefusedKeyIsNotRetriedAndSaysWhatToCheck() async throws {
        let server = ScriptedLLMServer(script: [TestResponse(status: 401, body: Array("{\"error\":\"bad key\"}".utf8))])
        try await withTestHTTPServer(server.handler) { port in
            do throws(LLMError) {
                _ = try await client(port: port).complete(request)
                Issue.record("a 401 must fail")
            } catch {
                #expect(!error.isTransient)
                #expect(error.description.contains("KAWARABAN_LLM_API_KEY"))
            }
            #expect(server.received.count == 1)
        }
    }

    @Test func invalidAnswersAreShownBackThenRecordedWithTheReason() async throws {
        let server = ScriptedLLMServer(script: [
            ScriptedLLMServer.completion("Sure! Here you go."),
            ScriptedLLMServer.completion("{\"value\": \"seven\"}"),
            ScriptedLLMServer.completion("{\"value\": 70}"),
        ])
        try await withTestHTTPServer(server.handler) { port in
            do throws(LLMError) {
                _ = try await client(port: port).completeJSON(request, as: Answer.self, purpose: "test") { answer in
                    guard answer.value < 10 else { throw AnswerRejected("value must be below 10") }
                    return answer.value
                }
                Issue.record("three invalid answers must fail")
            } catch {
                guard case .invalidAnswer(let reason, let attempts) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(reason == "value must be below 10")
                #expect(attempts == 3)
            }
            let lastRequest = try #require(server.received.last).bodyText
            #expect(lastRequest.contains("the field value must be Int"))
            #expect(lastRequest.contains("no JSON object"))
        }
    }

    @Test func anAnswerCutOffAtTheTokenLimitSaysSo() async throws {
        let server = ScriptedLLMServer(script: [
            ScriptedLLMServer.completion("{\"value\": ", finishReason: "length"),
            ScriptedLLMServer.completion("{\"value\": 2}"),
        ])
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await client(port: port).completeJSON(request, as: Answer.self, purpose: "test") { $0.value }
            #expect(answer.value == 2)
            #expect(answer.attempts == 2)
            #expect(server.received[1].bodyText.contains("cut off at the token limit"))
        }
    }

    @Test func fencedJSONIsAccepted() async throws {
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.completion("```json\n{\"value\": 3}\n```")])
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await client(port: port).completeJSON(request, as: Answer.self, purpose: "test") { $0.value }
            #expect(answer.value == 3)
            #expect(answer.attempts == 1)
        }
    }

    @Test(arguments: [ResponseFormatStyle.jsonSchema, .jsonObject, .none])
    func requestsCarryModelKeyAndTheChosenStructuredOutputForm(style: ResponseFormatStyle) async throws {
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.completion("{\"value\": 1}")])
        try await withTestHTTPServer(server.handler) { port in
            _ = try await client(port: port, style: style).complete(request)
            let sent = try #require(server.received.first)
            #expect(sent.path == "/v1/chat/completions")
            #expect(sent.header("Authorization") == "Bearer secret")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
            #expect(body["model"] as? String == "test-model")
            let format = body["response_format"] as? [String: Any]
            switch style {
            case .jsonSchema:
                #expect(format?["type"] as? String == "json_schema")
                #expect((format?["json_schema"] as? [String: Any])?["name"] as? String == "answer")
            case .jsonObject:
                #expect(format?["type"] as? String == "json_object")
                #expect(format?["schema"] != nil)
            case .none:
                #expect(format == nil)
            }
        }
    }
}
