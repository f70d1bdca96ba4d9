import Foundation
import Logging
import LLM

/// A client for the scripted model on `port`, retrying quickly and logging nothing.
func testClient(port: Int) -> ChatClient {
    ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m",
                                               retryBaseDelay: .milliseconds(10)),
               logger: Logger(label: "newsroom-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
}
