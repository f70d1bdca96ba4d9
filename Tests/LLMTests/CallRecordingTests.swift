import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import LLM

/// Every HTTP attempt the client makes is recorded with what the server said it cost, and a spent
/// budget stops the client before anything is sent.
@Suite struct CallRecordingTests {
    struct Answer: Decodable, Sendable { var value: Int }

    /// Keeps what the client reports; the budget is spent when `spentUntil` is set.
    final class RecordingLedger: CallLedger {
        let spentUntil: Date?
        private let calls = Mutex<[CallRecord]>([])

        init(spentUntil: Date? = nil) { self.spentUntil = spentUntil }

        var recorded: [CallRecord] { calls.withLock { $0 } }

        func record(_ call: CallRecord) async { calls.withLock { $0.append(call) } }
        func budgetExhausted(at now: Date) async -> Date? { spentUntil }
        func cachedAnswer(for key: AnswerKey) async -> String? { nil }
        func storeAnswer(_ content: String, for key: AnswerKey) async {}
    }

    func client(port: Int, ledger: RecordingLedger) -> ChatClient {
        ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "asked-model",
                                                   retryBaseDelay: .milliseconds(1)),
                   logger: Logger(label: "llm-tests", factory: { _ in SwiftLogNoOpLogHandler() }), ledger: ledger)
    }

    let request = ChatRequest(task: .analysis, messages: [.user("Answer with {\"value\": 1}")],
                              responseSchema: ResponseSchema(name: "answer", schema: .object(["type": .string("object")])))

    @Test func everyAttemptIsRecordedWithItsOutcomeTokensModelAndItem() async throws {
        let server = ScriptedLLMServer(script: [
            ScriptedLLMServer.failure(status: 429, retryAfter: 0),
            ScriptedLLMServer.completion("not json", model: "served-model", promptTokens: 321, completionTokens: 7),
            ScriptedLLMServer.completion("{\"value\": 1}", model: "served-model", promptTokens: 400, completionTokens: 12),
        ])
        let ledger = RecordingLedger()
        try await withTestHTTPServer(server.handler) { port in
            let answer = try await LLMCallContext.$itemID.withValue(42) {
                try await client(port: port, ledger: ledger).completeJSON(request, as: Answer.self, purpose: "test") { $0.value }
            }
            #expect(answer.value == 1)
        }
        let calls = ledger.recorded
        #expect(calls.map(\.outcome) == [.http(status: 429), .invalidAnswer, .answered])
        #expect(calls.map(\.usage) == [TokenUsage(), TokenUsage(promptTokens: 321, completionTokens: 7),
                                       TokenUsage(promptTokens: 400, completionTokens: 12)])
        #expect(calls.map(\.model) == ["asked-model", "served-model", "served-model"])
        #expect(calls.allSatisfy { $0.itemID == 42 && $0.task == .analysis })
    }

    @Test func aSpentBudgetSendsNothingAndSaysWhenWorkResumes() async throws {
        let server = ScriptedLLMServer.sensible()
        let midnight = Date(timeIntervalSince1970: 1_796_396_400)
        let ledger = RecordingLedger(spentUntil: midnight)
        try await withTestHTTPServer(server.handler) { port in
            do throws(LLMError) {
                _ = try await client(port: port, ledger: ledger).complete(request)
                Issue.record("the call was expected to be refused")
            } catch {
                guard case .budgetExhausted(let until) = error else { Issue.record("unexpected \(error)"); return }
                #expect(until == midnight)
                #expect(error.description.contains("KAWARABAN_LLM_DAILY_TOKENS"))
            }
        }
        #expect(server.received.isEmpty)
        #expect(ledger.recorded.isEmpty)
    }
}
