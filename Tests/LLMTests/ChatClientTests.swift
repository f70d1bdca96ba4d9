import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import LLM

@Suite struct ChatClientTests {
    struct Answer: Decodable, Sendable { var value: Int }

    /// Keeps the pauses a client asked for instead of waiting them out.
    final class Pauses: Sendable {
        private let storage = Mutex<[Duration]>([])
        var taken: [Duration] { storage.withLock { $0 } }
        func record(_ pause: Duration) { storage.withLock { $0.append(pause) } }
    }

    static let base = Duration.milliseconds(10)

    func client(port: Int, apiKey: String? = "secret", style: ResponseFormatStyle = .jsonSchema,
                requestTimeout: Duration = LLMConfiguration.defaultRequestTimeout, pauses: Pauses? = nil,
                now: Date = Date()) -> ChatClient {
        ChatClient(
            configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "test-model",
                                            apiKey: apiKey, responseFormat: style, requestTimeout: requestTimeout,
                                            retryBaseDelay: Self.base),
            logger: Logger(label: "llm-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
            sleep: { pause in
                if let pauses { pauses.record(pause) } else { try await Task.sleep(for: pause) }
            },
            now: { now })
    }

    /// Runs `call`, which must fail, and returns its error.
    func failure<T>(of call: () async throws(LLMError) -> T) async -> LLMError? {
        do {
            _ = try await call()
            Issue.record("the call was expected to fail")
            return nil
        } catch {
            return error
        }
    }

    let request = ChatRequest(task: .analysis, messages: [.system("Answer with JSON."), .user("{\"n\":1}")],
                              responseSchema: ResponseSchema(name: "answer", schema: .object(["type": .string("object")])))

    @Test(arguments: [429, 500])
    func busyServersAreRetriedAfterTheirPause(status: Int) async throws {
        let server = ScriptedLLMServer(script: [
            ScriptedLLMServer.failure(status: status, retryAfter: 1),
            ScriptedLLMServer.completion("{\"value\": 7}"),
        ])
        let pauses = Pauses()
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await client(port: port, pauses: pauses).completeJSON(request, as: Answer.self, purpose: "test") { $0.value }
            #expect(answer.value == 7)
            #expect(pauses.taken == [.seconds(1)])
            #expect(server.received.count == 2)
            #expect(answer.usage == TokenUsage(promptTokens: 100, completionTokens: 50))
        }
    }

    @Test func serverErrorsAreRetriedThenReported() async throws {
        let failures = (0..<3).map { _ in ScriptedLLMServer.failure(status: 503, message: "overloaded") }
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

    @Test func pausesHonourRetryAfterUpToTheCapElseBackOffWithJitter() {
        let base = Duration.milliseconds(100)
        #expect(ChatClient.pause(afterAttempt: 1, retryAfter: .seconds(3), base: base) == .seconds(3))
        #expect(ChatClient.pause(afterAttempt: 1, retryAfter: .seconds(3600), base: base) == ChatClient.maximumRetryAfter)
        for attempt in 1...3 {
            let backoff = base * (1 << (attempt - 1))
            let pause = ChatClient.pause(afterAttempt: attempt, retryAfter: nil, base: base)
            #expect(pause >= backoff && pause <= backoff * 1.25)
        }
    }

    /// Every form a hostile or broken endpoint might send, and the pause each must come to.
    static let retryAfterCases: [(header: String, pause: Duration?)] = [
        (" 2 ", .seconds(2)),
        ("0.25", .milliseconds(250)),
        ("0", .zero),
        ("120", .seconds(120)),
        ("121", .seconds(120)),
        ("99999999999999999999999999", .seconds(120)),
        ("Sun, 29 Nov 2026 12:00:30 GMT", .seconds(30)),
        ("Sunday, 29-Nov-26 12:00:45 GMT", .seconds(45)),
        ("Sun Nov 29 12:01:00 2026", .seconds(60)),
        ("Sun, 29 Nov 2026 13:00:00 GMT", .seconds(120)),
        ("Sun, 29 Nov 2026 11:00:00 GMT", .zero),
        ("inf", nil), ("-inf", nil), ("infinity", nil), ("nan", nil), ("1e300", nil), ("-5", nil), ("+5", nil),
        ("0x10", nil), ("5 seconds", nil), ("", nil), ("1.", nil), (".5", nil), ("Sun, 99 Foo 2026 99:99:99 GMT", nil),
    ]
    static let retryAfterNow = Date(timeIntervalSince1970: 1_795_953_600) // 2026-11-29 12:00:00 GMT

    /// A 429 carrying each Retry-After value, then an answer: the client survives, pauses for the
    /// value capped at two minutes, or, for a value it cannot read, for its own backoff.
    @Test(arguments: retryAfterCases)
    func everyRetryAfterValueLeadsToABoundedPause(header: String, pause: Duration?) async throws {
        var busy = ScriptedLLMServer.failure(status: 429)
        busy.headers.append(("Retry-After", header))
        let server = ScriptedLLMServer(script: [busy, ScriptedLLMServer.completion("{\"value\": 7}")])
        let pauses = Pauses()
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await client(port: port, pauses: pauses, now: Self.retryAfterNow).complete(request)
            #expect(answer.content.contains("7"))
            let taken = try #require(pauses.taken.first)
            #expect(pauses.taken.count == 1)
            if let pause {
                #expect(taken == pause)
            } else {
                #expect(taken >= Self.base && taken <= Self.base * 1.25)
            }
            #expect(taken <= ChatClient.maximumRetryAfter)
        }
    }

    /// Cancelling the task that waits for a slow model abandons the request at once: the call
    /// throws `.cancelled` instead of the answer the server would send after a minute, and nothing
    /// is sent again.
    @Test func cancellingTheCallerAbandonsTheRequestInFlight() async throws {
        let server = ScriptedLLMServer(delay: .seconds(60))
        try await withTestHTTPServer(server.handler) { port in
            let slowClient = client(port: port, pauses: Pauses())
            let call = Task { () async throws(LLMError) -> ChatCompletion in try await slowClient.complete(request) }
            while server.received.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            call.cancel()
            let outcome = await call.result
            guard case .failure(let error) = outcome, case .cancelled? = error as? LLMError else {
                Issue.record("unexpected \(outcome)")
                return
            }
            #expect(server.received.count == 1)
        }
    }

    @Test func aCancelledCallerSendsNothing() async throws {
        let server = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(server.handler) { port in
            let quickClient = client(port: port)
            let call = Task { () async throws(LLMError) -> ChatCompletion in
                withUnsafeCurrentTask { $0?.cancel() }
                return try await quickClient.complete(request)
            }
            guard case .failure(let error) = await call.result, case .cancelled? = error as? LLMError else {
                Issue.record("a cancelled caller must get .cancelled")
                return
            }
            #expect(server.received.isEmpty)
        }
    }

    @Test func anUnreachableServerNamesTheSetting() async throws {
        // The HTTP client keeps trying to connect until its connect timeout, so keep that short.
        let impatient = HTTPClient(eventLoopGroupProvider: .singleton,
                                   configuration: .init(timeout: .init(connect: .milliseconds(200))))
        // Port 1 is privileged and unused, so every connection is refused.
        let unreachable = ChatClient(
            configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:1/v1")!, model: "test-model",
                                            retryBaseDelay: .milliseconds(10)),
            httpClient: impatient, logger: Logger(label: "llm-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
        let error = await failure { () async throws(LLMError) in try await unreachable.complete(request) }
        try await impatient.shutdown()
        guard case .transport = error else { Issue.record("unexpected \(String(describing: error))"); return }
        #expect(error?.description.contains("KAWARABAN_LLM_BASE_URL") == true)
    }

    @Test func aSlowServerTimesOutAndEachAttemptIsBounded() async throws {
        let server = ScriptedLLMServer(delay: .seconds(5))
        try await withTestHTTPServer(server.handler) { port in
            // Had an attempt outlived its timeout, the server's (sensible) answer would have come.
            let slowClient = client(port: port, requestTimeout: .milliseconds(300), pauses: Pauses())
            let error = await failure { () async throws(LLMError) in try await slowClient.complete(request) }
            guard case .timedOut = error else { Issue.record("unexpected \(String(describing: error))"); return }
            #expect(error?.description.contains("KAWARABAN_LLM_TIMEOUT_SECONDS") == true)
            #expect(server.received.count == 3)
        }
    }

    @Test func anOversizedResponseIsRefusedWithoutRetrying() async throws {
        let huge = TestResponse(headers: [("Content-Type", "application/json")],
                                body: Array(repeating: UInt8(ascii: " "), count: ChatClient.maximumResponseBytes + 1))
        let server = ScriptedLLMServer(script: [huge])
        try await withTestHTTPServer(server.handler) { port in
            let error = await failure { () async throws(LLMError) in try await client(port: port).complete(request) }
            guard case .badResponse = error else { Issue.record("unexpected \(String(describing: error))"); return }
            #expect(error?.description.contains("larger than 8 MiB") == true)
            #expect(server.received.count == 1)
        }
    }

    @Test func aMissingModelIsNotRetriedAndNamesTheSettings() async throws {
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.failure(status: 404, message: "model not found")])
        try await withTestHTTPServer(server.handler) { port in
            let error = await failure { () async throws(LLMError) in try await client(port: port).complete(request) }
            #expect(error?.description.contains("HTTP 404") == true)
            #expect(error?.description.contains("model not found") == true)
            #expect(error?.description.contains("KAWARABAN_LLM_MODEL") == true)
            #expect(server.received.count == 1)
        }
    }

    @Test func aRefusedKeyIsNotRetriedAndSaysWhatToCheck() async throws {
        let server = ScriptedLLMServer(script: [ScriptedLLMServer.failure(status: 401, message: "bad key")])
        try await withTestHTTPServer(server.handler) { port in
            do throws(LLMError) {
                _ = try await client(port: port).complete(request)
                Issue.record("a 401 must fail")
            } catch {
                #expect(!error.isTransient)
                #expect(error.description.contains("KAWARABAN_LLM_API_KEY"))
                #expect(error.description.contains("bad key"))
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
