import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The one way Kawaraban talks to a model: each task routed to its model and API (OpenAI's
/// chat completions or Anthropic's Messages), held to the API's limits, structured output,
/// retries of what is retryable, and re-asking when an answer does not validate.
public final class ChatClient: Sendable {
    /// No sane chat completion is larger; a bigger body is a broken server.
    static let maximumResponseBytes = 8 * 1024 * 1024
    /// The server may ask us to wait, but not for longer than this.
    static let maximumRetryAfter: Duration = .seconds(120)
    /// How much of an error body is kept in messages.
    static let errorExcerptLength = 300
    /// A wait for the endpoint's limits at least this long is logged, so that an operator can
    /// tell a throttled pipeline from a slow model.
    static let limiterWaitWorthLogging: Duration = .seconds(1)

    private let routes: LLMRoutes
    /// One per endpoint the routes use, none when unlimited.
    private let limiters: [LLMEndpoint: EndpointLimiter]
    private let httpClient: HTTPClient
    /// Public so that the work built on one client (analysis, translation) logs where its calls do.
    public let logger: Logger
    /// Waits between attempts; tests pass one that records the pause instead of waiting it out.
    private let sleep: @Sendable (Duration) async throws -> Void
    /// The time an HTTP-date Retry-After is measured from.
    private let now: @Sendable () -> Date
    /// Where every call is recorded, the budget checked and valid answers kept; nil records nothing.
    public let ledger: (any CallLedger)?

    /// One client for the process's model calls. Unlike `HTTPClient.shared` it lets a slow local
    /// model take as long as the configured request timeout, and it follows no redirects.
    public static let processClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: TimeAmount(LLMConfiguration.maximumRequestTimeout))))

    public init(routes: LLMRoutes, httpClient: HTTPClient = ChatClient.processClient, logger: Logger,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Date = Date.init, ledger: (any CallLedger)? = nil) {
        self.routes = routes
        self.ledger = ledger
        limiters = routes.limits.isUnlimited ? [:] : Dictionary(uniqueKeysWithValues: routes.endpoints.map {
            ($0, EndpointLimiter(limits: routes.limits))
        })
        self.httpClient = httpClient
        self.logger = logger
        self.sleep = sleep
        self.now = now
    }

    /// Every task on one model, without limits.
    public convenience init(configuration: LLMConfiguration, httpClient: HTTPClient = ChatClient.processClient,
                            logger: Logger,
                            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                            now: @escaping @Sendable () -> Date = Date.init, ledger: (any CallLedger)? = nil) {
        self.init(routes: LLMRoutes(configuration), httpClient: httpClient, logger: logger, sleep: sleep, now: now,
                  ledger: ledger)
    }

    /// The model and API that serve `task`.
    public func configuration(for task: LLMTask) -> LLMConfiguration { routes.configuration(for: task) }

    /// One completion, retrying transport failures, timeouts, 408/409/429 and 5xx. Cancelling the
    /// calling task abandons the request in flight (the connection is closed, so the model server
    /// can stop too) and any pause, and throws `.cancelled`: nothing more is sent or paid for.
    public func complete(_ request: ChatRequest) async throws(LLMError) -> ChatCompletion {
        let answer = try await attempts(request)
        await record(answer, outcome: .answered, task: request.task)
        return answer.completion
    }

    /// A completion and when its attempt started, not yet recorded: the caller knows whether it was valid.
    private struct Attempt {
        var completion: ChatCompletion
        var startedAt: Date
        var duration: Duration
    }

    /// Sends until an answer comes or a failure is final. Each failed attempt is recorded here;
    /// an answer is recorded by the caller. A spent budget sends nothing.
    private func attempts(_ request: ChatRequest) async throws(LLMError) -> Attempt {
        let configuration = self.configuration(for: request.task)
        var attempt = 1
        while true {
            if Task.isCancelled { throw .cancelled }
            if let until = await ledger?.budgetExhausted(at: now()) { throw .budgetExhausted(until: until) }
            let startedAt = now()
            let clock = ContinuousClock()
            let start = clock.now
            do {
                let completion = try await send(request, over: configuration)
                return Attempt(completion: completion, startedAt: startedAt, duration: clock.now - start)
            } catch let failure {
                let outcome: CallOutcome = Task.isCancelled ? .cancelled : failure.error.outcome
                await ledger?.record(CallRecord(task: request.task, model: configuration.model, itemID: LLMCallContext.itemID,
                                                usage: TokenUsage(), duration: clock.now - start, outcome: outcome,
                                                startedAt: startedAt))
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

    /// Records an answer taken from a cache instead of a call: zero tokens, so `usage` shows what
    /// the caches saved.
    public func recordCacheHit(task: LLMTask) async {
        await ledger?.record(CallRecord(task: task, model: configuration(for: task).model, itemID: LLMCallContext.itemID,
                                        usage: TokenUsage(), duration: .zero, outcome: .cached, startedAt: now()))
    }

    private func record(_ attempt: Attempt, outcome: CallOutcome, task: LLMTask) async {
        await ledger?.record(CallRecord(task: task, model: attempt.completion.model, itemID: LLMCallContext.itemID,
                                        usage: attempt.completion.usage, duration: attempt.duration, outcome: outcome,
                                        startedAt: attempt.startedAt))
    }

    /// A structured answer: decoded as `T`, then checked by `validate`. An answer that fails either
    /// is shown back to the model with what was wrong, up to the configured number of attempts. An
    /// answer the validator calls flawed (`AnswerFlaw`) is re-asked once only: the next flawed
    /// answer, or the first one when no valid answer follows, is returned with its quality note.
    /// An answer returned is kept under the request's `AnswerKey`, and the same request later is
    /// answered from it (validated again) without a call.
    public func completeJSON<T: Decodable & Sendable, V: Sendable>(
        _ request: ChatRequest, as type: T.Type, purpose: String,
        validate: @Sendable (T) throws -> V
    ) async throws(LLMError) -> StructuredAnswer<V> {
        let configuration = self.configuration(for: request.task)
        let key = AnswerKey.forRequest(request, model: configuration.model)
        if let cached = await ledger?.cachedAnswer(for: key), let kept = Self.revalidated(cached, as: T.self, validate: validate) {
            await recordCacheHit(task: request.task)
            logger.info("llm answer", metadata: ["purpose": "\(purpose)", "outcome": "cached"])
            return StructuredAnswer(value: kept.value, model: configuration.model, usage: TokenUsage(), attempts: 0,
                                    qualityNotes: kept.notes)
        }
        let maximumAttempts = configuration.maximumAttempts
        var conversation = request
        var usage = TokenUsage()
        var lastReason = ""
        var flawed: (flaw: AnswerFlaw<V>, model: String, content: String)?
        for attempt in 1...maximumAttempts {
            let answer = try await attempts(conversation)
            let completion = answer.completion
            usage = usage + completion.usage
            do {
                if let reason = completion.unstructuredReason { throw AnswerRejected(reason) }
                let decoded = try JSONAnswer.decode(T.self, from: completion.content)
                let value = try validate(decoded)
                await record(answer, outcome: .answered, task: request.task)
                await ledger?.storeAnswer(completion.content, for: key)
                logger.info("llm answer", metadata: ["purpose": "\(purpose)", "outcome": "valid", "attempt": "\(attempt)"])
                return StructuredAnswer(value: value, model: completion.model, usage: usage, attempts: attempt)
            } catch let flaw as AnswerFlaw<V> {
                await record(answer, outcome: .answered, task: request.task)
                if flawed != nil || attempt == maximumAttempts {
                    return await accepting(flaw, content: completion.content, key: key, model: completion.model,
                                           usage: usage, attempts: attempt, purpose: purpose)
                }
                flawed = (flaw, completion.model, completion.content)
                lastReason = flaw.reason
            } catch {
                await record(answer, outcome: .invalidAnswer, task: request.task)
                lastReason = (error as? AnswerRejected)?.reason ?? JSONAnswer.describe(error)
                if completion.wasCutOff {
                    lastReason = "the answer was cut off at the token limit (\(completion.usage.completionTokens) tokens); be brief. " + lastReason
                }
            }
            logger.notice("llm answer", metadata: [
                "purpose": "\(purpose)", "outcome": "invalid", "attempt": "\(attempt)", "reason": "\(lastReason)",
            ])
            // An empty turn is refused by some APIs, and shows the model nothing anyway.
            if !completion.content.isEmpty { conversation.messages.append(.assistant(String(completion.content.prefix(4000)))) }
            conversation.messages += [
                .user("That answer was not accepted: \(lastReason). Answer again with one JSON object that follows the schema and the instructions exactly."),
            ]
        }
        if let flawed {
            return await accepting(flawed.flaw, content: flawed.content, key: key, model: flawed.model, usage: usage,
                                   attempts: maximumAttempts, purpose: purpose)
        }
        throw .invalidAnswer(reason: lastReason, attempts: maximumAttempts)
    }

    /// A kept answer checked again: its value, with the quality note of a flaw it was accepted
    /// with; nil when it no longer validates (the validator or the schema changed).
    private static func revalidated<T: Decodable, V: Sendable>(_ content: String, as type: T.Type,
                                                     validate: (T) throws -> V) -> (value: V, notes: [String])? {
        do {
            return (try validate(JSONAnswer.decode(T.self, from: content)), [])
        } catch let flaw as AnswerFlaw<V> {
            return (flaw.value, [flaw.reason])
        } catch {
            return nil
        }
    }

    /// A flawed answer taken after its one re-ask. It is kept like a valid one: asking again
    /// later would only pay for the same flaw.
    private func accepting<V>(_ flaw: AnswerFlaw<V>, content: String, key: AnswerKey, model: String, usage: TokenUsage,
                              attempts: Int, purpose: String) async -> StructuredAnswer<V> {
        logger.notice("llm answer", metadata: [
            "purpose": "\(purpose)", "outcome": "accepted with a flaw", "attempt": "\(attempts)", "reason": "\(flaw.reason)",
        ])
        await ledger?.storeAnswer(content, for: key)
        return StructuredAnswer(value: flaw.value, model: model, usage: usage, attempts: attempts,
                                qualityNotes: [flaw.reason])
    }

    private struct Failure: Error {
        var error: LLMError
        var retryAfter: Duration?
    }

    /// One request, within its endpoint's limits: the permit is taken before sending and given
    /// back, with the tokens really used, whatever the outcome.
    private func send(_ request: ChatRequest, over configuration: LLMConfiguration) async throws(Failure) -> ChatCompletion {
        let wire = configuration.provider.wire
        let prepared: WireRequest
        do {
            prepared = try wire.prepare(request, configuration: configuration)
        } catch {
            throw Failure(error: .badResponse("the request could not be encoded: \(error)"))
        }
        guard let limiter = limiters[configuration.endpoint] else {
            return try await exchange(prepared, request: request, wire: wire, configuration: configuration)
        }
        let permit: EndpointLimiter.Permit
        let asked = ContinuousClock.now
        do {
            permit = try await limiter.acquire(estimatedTokens: EndpointLimiter.estimatedTokens(
                bodyBytes: prepared.body.count, maximumCompletionTokens: prepared.maximumCompletionTokens))
        } catch {
            throw Failure(error: .cancelled)
        }
        let waited = ContinuousClock.now - asked
        if waited >= Self.limiterWaitWorthLogging {
            logger.info("LLM request waited for the API's limits", metadata: [
                "task": "\(request.task.rawValue)", "api": "\(configuration.baseURL.absoluteString)", "waited": "\(waited)",
            ])
        }
        do {
            let completion = try await exchange(prepared, request: request, wire: wire, configuration: configuration)
            limiter.release(permit, usedTokens: completion.usage.totalTokens > 0 ? completion.usage.totalTokens : nil)
            return completion
        } catch {
            limiter.release(permit, usedTokens: nil)
            throw error
        }
    }

    private func exchange(_ prepared: WireRequest, request: ChatRequest, wire: any ChatWire.Type,
                          configuration: LLMConfiguration) async throws(Failure) -> ChatCompletion {
        var outbound = HTTPClientRequest(url: prepared.url.absoluteString)
        outbound.method = .POST
        outbound.headers = prepared.headers
        outbound.body = .bytes(ByteBuffer(bytes: prepared.body))
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
        let data = Data(body.readableBytesView)
        let overloaded = Self.isOverloaded(data)
        guard (200..<300).contains(status), !overloaded else {
            let excerpt = String(String(buffer: body).prefix(Self.errorExcerptLength))
            let error: LLMError = if status == 401 || status == 403 {
                .unauthorized(status: status, body: excerpt)
            } else if overloaded {
                .overloaded(status: status, body: excerpt)
            } else {
                .http(status: status, body: excerpt)
            }
            let now = self.now()
            throw Failure(error: error, retryAfter: response.headers.first(name: "Retry-After").flatMap { Self.retryAfter($0, now: now) })
        }
        do {
            return try wire.decode(data, request: request, configuration: configuration)
        } catch {
            throw Failure(error: .badResponse(String(describing: error)))
        }
    }

    /// An error body saying the server is only busy (Anthropic's `overloaded_error`, also passed
    /// on by gateways such as OpenRouter), whatever HTTP status came with it.
    static func isOverloaded(_ body: Data) -> Bool {
        struct ErrorBody: Decodable {
            struct Detail: Decodable { var type: String? }
            var error: Detail?
        }
        guard body.count <= errorBodyInspectionLimit, let parsed = try? JSONDecoder().decode(ErrorBody.self, from: body)
        else { return false }
        return parsed.error?.type == "overloaded_error"
    }

    /// Error bodies are short; a longer body is an answer and is not parsed twice.
    static let errorBodyInspectionLimit = 4096

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
