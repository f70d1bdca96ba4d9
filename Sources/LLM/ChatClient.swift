import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The one way Kawaraban talks to a model: OpenAI's chat-completions protocol, structured
/// output, retries of what is retryable, and re-asking when an answer does not validate.
public final class ChatClient: Sendable {
    /// No sane chat completion is larger; a bigger body is a broken server.
    static let maximumResponseBytes = 8 * 1024 * 1024
    /// The server may ask us to wait, but not for longer than this.
    static let maximumRetryAfter: Duration = .seconds(120)
    /// How much of an error body is kept in messages.
    static let errorExcerptLength = 300

    public let configuration: LLMConfiguration
    private let httpClient: HTTPClient
    /// Public so that the work built on one client (analysis, translation) logs where its calls do.
    public let logger: Logger

    /// One client for the process's model calls. Unlike `HTTPClient.shared` it lets a slow local
    /// model take as long as the configured request timeout, and it follows no redirects.
    public static let processClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: TimeAmount(LLMConfiguration.maximumRequestTimeout))))

    public init(configuration: LLMConfiguration, httpClient: HTTPClient = ChatClient.processClient, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// One completion, retrying transport failures, timeouts, 408/409/429 and 5xx.
    public func complete(_ request: ChatRequest) async throws(LLMError) -> ChatCompletion {
        var attempt = 1
        while true {
            do {
                return try await send(request)
            } catch let failure {
                guard failure.error.isTransient, attempt < configuration.maximumAttempts else { throw failure.error }
                let pause = Self.pause(afterAttempt: attempt, retryAfter: failure.retryAfter, base: configuration.retryBaseDelay)
                logger.warning("LLM request failed; retrying", metadata: [
                    "attempt": "\(attempt)", "error": "\(failure.error)", "pause": "\(pause)",
                ])
                do { try await Task.sleep(for: pause) } catch { throw .transport("cancelled") }
                attempt += 1
            }
        }
    }

    /// A structured answer: decoded as `T`, then checked by `validate`. An answer that fails either
    /// is shown back to the model with what was wrong, up to the configured number of attempts.
    public func completeJSON<T: Decodable & Sendable, V: Sendable>(
        _ request: ChatRequest, as type: T.Type, purpose: String,
        validate: @Sendable (T) throws -> V
    ) async throws(LLMError) -> StructuredAnswer<V> {
        var conversation = request
        var usage = TokenUsage()
        var lastReason = ""
        for attempt in 1...configuration.maximumAttempts {
            let completion = try await complete(conversation)
            usage = usage + completion.usage
            do {
                let decoded = try JSONAnswer.decode(T.self, from: completion.content)
                let value = try validate(decoded)
                logger.info("llm answer", metadata: ["purpose": "\(purpose)", "outcome": "valid", "attempt": "\(attempt)"])
                return StructuredAnswer(value: value, model: completion.model, usage: usage, attempts: attempt)
            } catch {
                lastReason = (error as? AnswerRejected)?.reason ?? JSONAnswer.describe(error)
                if completion.wasCutOff {
                    lastReason = "the answer was cut off at the token limit (\(completion.usage.completionTokens) tokens); be brief. " + lastReason
                }
                logger.notice("llm answer", metadata: [
                    "purpose": "\(purpose)", "outcome": "invalid", "attempt": "\(attempt)", "reason": "\(lastReason)",
                ])
                conversation.messages += [
                    .assistant(String(completion.content.prefix(4000))),
                    .user("That answer was not accepted: \(lastReason). Answer again with one JSON object that follows the schema and the instructions exactly."),
                ]
            }
        }
        throw .invalidAnswer(reason: lastReason, attempts: configuration.maximumAttempts)
    }

    private struct Failure: Error {
        var error: LLMError
        var retryAfter: Duration?
    }

    private func send(_ request: ChatRequest) async throws(Failure) -> ChatCompletion {
        let endpoint = configuration.baseURL.appendingPathComponent("chat/completions")
        var outbound = HTTPClientRequest(url: endpoint.absoluteString)
        outbound.method = .POST
        outbound.headers.add(name: "Content-Type", value: "application/json")
        outbound.headers.add(name: "Accept", value: "application/json")
        if let key = configuration.apiKey, !key.isEmpty {
            outbound.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        do {
            outbound.body = .bytes(ByteBuffer(bytes: try OpenAIWire.encode(request, configuration: configuration)))
        } catch {
            throw Failure(error: .badResponse("the request could not be encoded: \(error)"))
        }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(outbound, timeout: TimeAmount(configuration.requestTimeout), logger: logger)
            body = try await response.body.collect(upTo: Self.maximumResponseBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw Failure(error: .timedOut(after: configuration.requestTimeout))
        } catch is NIOTooManyBytesError {
            // Asking again would only fetch the same oversized body.
            throw Failure(error: .badResponse("the response is larger than \(Self.maximumResponseBytes / 1024 / 1024) MiB"))
        } catch {
            throw Failure(error: .transport(String(describing: error)))
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let excerpt = String(String(buffer: body).prefix(Self.errorExcerptLength))
            let error: LLMError = status == 401 || status == 403
                ? .unauthorized(status: status, body: excerpt) : .http(status: status, body: excerpt)
            throw Failure(error: error, retryAfter: response.headers.first(name: "Retry-After").flatMap(Self.retryAfter))
        }
        do {
            return try OpenAIWire.decode(Data(body.readableBytesView), requestedModel: configuration.model)
        } catch {
            throw Failure(error: .badResponse(String(describing: error)))
        }
    }

    /// The server's Retry-After, capped; else the base doubled per attempt, with up to a quarter
    /// of it added at random so that workers that failed together do not retry together.
    static func pause(afterAttempt attempt: Int, retryAfter: Duration?, base: Duration) -> Duration {
        if let retryAfter { return min(retryAfter, maximumRetryAfter) }
        let backoff = base * (1 << min(attempt - 1, 16))
        return backoff + backoff * Double.random(in: 0...0.25)
    }

    /// Retry-After in seconds; the HTTP-date form is rare from APIs and falls back to backoff.
    static func retryAfter(_ value: String) -> Duration? {
        Double(value.trimmingCharacters(in: .whitespaces)).map { .milliseconds(Int(max(0, $0) * 1000)) }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
