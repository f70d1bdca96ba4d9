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
    /// Waits between attempts; tests pass one that records the pause instead of waiting it out.
    private let sleep: @Sendable (Duration) async throws -> Void
    /// The time an HTTP-date Retry-After is measured from.
    private let now: @Sendable () -> Date

    /// One client for the process's model calls. Unlike `HTTPClient.shared` it lets a slow local
    /// model take as long as the configured request timeout, and it follows no redirects.
    public static let processClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: TimeAmount(LLMConfiguration.maximumRequestTimeout))))

    public init(configuration: LLMConfiguration, httpClient: HTTPClient = ChatClient.processClient, logger: Logger,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.sleep = sleep
        self.now = now
    }

    /// One completion, retrying transport failures, timeouts, 408/409/429 and 5xx. Cancelling the
    /// calling task abandons the request in flight (the connection is closed, so the model server
    /// can stop too) and any pause, and throws `.cancelled`: nothing more is sent or paid for.
    public func complete(_ request: ChatRequest) async throws(LLMError) -> ChatCompletion {
        var attempt = 1
        while true {
            if Task.isCancelled { throw .cancelled }
            do {
                return try await send(request)
            } catch let failure {
                if Task.isCancelled { throw .cancelled }
                guard failure.error.isTransient, attempt < configuration.maximumAttempts else { throw failure.error }
                let pause = Self.pause(afterAttempt: attempt, retryAfter: failure.retryAfter, base: configuration.retryBaseDelay)
                logger.warning("LLM request failed; retrying", metadata: [
                    "attempt": "\(attempt)", "error": "\(failure.error)", "pause": "\(pause)",
                ])
                do { try await sleep(pause) } catch { throw .cancelled }
                attempt += 1
            }
        }
    }

    /// A structured answer: decoded as `T`, then checked by `validate`. An answer that fails either
    /// is shown back to the model with what was wrong, up to the configured number of attempts. An
    /// answer the validator calls flawed (`AnswerFlaw`) is re-asked once only: the next flawed
    /// answer, or the first one when no valid answer follows, is returned with its quality note.
    public func completeJSON<T: Decodable & Sendable, V: Sendable>(
        _ request: ChatRequest, as type: T.Type, purpose: String,
        validate: @Sendable (T) throws -> V
    ) async throws(LLMError) -> StructuredAnswer<V> {
        var conversation = request
        var usage = TokenUsage()
        var lastReason = ""
        var flawed: (flaw: AnswerFlaw<V>, model: String)?
        for attempt in 1...configuration.maximumAttempts {
            let completion = try await complete(conversation)
            usage = usage + completion.usage
            do {
                let decoded = try JSONAnswer.decode(T.self, from: completion.content)
                let value = try validate(decoded)
                logger.info("llm answer", metadata: ["purpose": "\(purpose)", "outcome": "valid", "attempt": "\(attempt)"])
                return StructuredAnswer(value: value, model: completion.model, usage: usage, attempts: attempt)
            } catch let flaw as AnswerFlaw<V> {
                if flawed != nil || attempt == configuration.maximumAttempts {
                    return accepting(flaw, model: completion.model, usage: usage, attempts: attempt, purpose: purpose)
                }
                flawed = (flaw, completion.model)
                lastReason = flaw.reason
            } catch {
                lastReason = (error as? AnswerRejected)?.reason ?? JSONAnswer.describe(error)
                if completion.wasCutOff {
                    lastReason = "the answer was cut off at the token limit (\(completion.usage.completionTokens) tokens); be brief. " + lastReason
                }
            }
            logger.notice("llm answer", metadata: [
                "purpose": "\(purpose)", "outcome": "invalid", "attempt": "\(attempt)", "reason": "\(lastReason)",
            ])
            conversation.messages += [
                .assistant(String(completion.content.prefix(4000))),
                .user("That answer was not accepted: \(lastReason). Answer again with one JSON object that follows the schema and the instructions exactly."),
            ]
        }
        if let flawed {
            return accepting(flawed.flaw, model: flawed.model, usage: usage, attempts: configuration.maximumAttempts,
                             purpose: purpose)
        }
        throw .invalidAnswer(reason: lastReason, attempts: configuration.maximumAttempts)
    }

    private func accepting<V>(_ flaw: AnswerFlaw<V>, model: String, usage: TokenUsage, attempts: Int,
                              purpose: String) -> StructuredAnswer<V> {
        logger.notice("llm answer", metadata: [
            "purpose": "\(purpose)", "outcome": "accepted with a flaw", "attempt": "\(attempts)", "reason": "\(flaw.reason)",
        ])
        return StructuredAnswer(value: flaw.value, model: model, usage: usage, attempts: attempts,
                                qualityNotes: [flaw.reason])
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
            let now = self.now()
            throw Failure(error: error, retryAfter: response.headers.first(name: "Retry-After").flatMap { Self.retryAfter($0, now: now) })
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

    /// The wait a Retry-After header asks for, capped at `maximumRetryAfter`: delta-seconds
    /// (digits, and a fraction some APIs add), or an HTTP-date measured from `now`, a past date
    /// meaning no wait. Anything else (`inf`, `nan`, `1e300`, `-5`, words) is nil, so the usual
    /// backoff applies. The cap is applied before any conversion, so no value can overflow.
    static func retryAfter(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        let cap = Double(maximumRetryAfter.components.seconds)
        let seconds: Double
        if let delta = deltaSeconds(text) {
            seconds = delta
        } else if let date = httpDate(text) {
            seconds = max(0, date.timeIntervalSince(now))
        } else {
            return nil
        }
        return .milliseconds(Int((min(seconds, cap) * 1000).rounded(.up)))
    }

    /// `1*DIGIT [ "." 1*DIGIT ]`, checked character by character so that nothing Double would also
    /// read (signs, exponents, `inf`, `nan`, hexadecimal) gets through.
    private static func deltaSeconds(_ text: String) -> Double? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } })
        else { return nil }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }

    /// The three date forms HTTP allows (RFC 9110, 5.6.7): IMF-fixdate, RFC 850, asctime.
    private static let httpDateFormats = ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"]

    private static func httpDate(_ text: String) -> Date? {
        // Longer than any HTTP-date: not worth handing to a date parser.
        guard text.utf8.count <= 40 else { return nil }
        for format in httpDateFormats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text.replacingOccurrences(of: "  ", with: " ")) { return date }
        }
        return nil
    }
}
