import Foundation
import Logging
import Testing
import TestSupport
@testable import LLM

@Suite struct LLMRoutesTests {
    @Test func eachTaskGoesToItsOwnModelAndWire() async throws {
        let anthropic = ScriptedLLMServer.sensible(wire: .anthropic)
        let openAI = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(anthropic.handler) { anthropicPort in
            try await withTestHTTPServer(openAI.handler) { openAIPort in
                let general = LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(openAIPort)/v1")!, model: "big")
                let small = LLMConfiguration(provider: .anthropic, baseURL: URL(string: "http://127.0.0.1:\(anthropicPort)")!,
                                             model: "small", apiKey: "k")
                let routes = try #require(LLMRoutes([.triage: small, .analysis: general, .translation: general, .digest: general,
                                                           .stories: small]))
                #expect(routes.endpoints.count == 2)
                let client = ChatClient(routes: routes, logger: Logger(label: "llm-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
                #expect(client.configuration(for: .triage).model == "small")
                #expect(client.configuration(for: .digest).model == "big")
                #expect(client.configuration(for: .stories).model == "small")
                _ = try await client.complete(ChatRequest(task: .triage, messages: [.user("titles")]))
                _ = try await client.complete(ChatRequest(task: .analysis, messages: [.user("article")]))
                #expect(anthropic.received.map(\.path) == ["/v1/messages"])
                #expect(anthropic.received.first?.bodyText.contains("\"model\":\"small\"") == true)
                #expect(openAI.received.map(\.path) == ["/v1/chat/completions"])
                #expect(openAI.received.first?.bodyText.contains("\"model\":\"big\"") == true)
            }
        }
        #expect(LLMRoutes([.triage: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1/v1")!, model: "m")]) == nil)
    }
}
