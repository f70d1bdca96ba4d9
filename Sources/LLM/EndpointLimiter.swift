import KawarabanCore
import Synchronization

/// Limits one API is held to by this process; nil is unlimited.
public struct EndpointLimits: Sendable, Hashable {
    /// Requests in flight at once.
    public var concurrency: Int?
    public var requestsPerMinute: Int?
    /// Prompt and completion tokens per minute, counted in advance from an estimate and corrected
    /// by the usage the API reports.
    public var tokensPerMinute: Int?

    public init(concurrency: Int? = nil, requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil) {
        self.concurrency = concurrency
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }

    public var isUnlimited: Bool { concurrency == nil && requestsPerMinute == nil && tokensPerMinute == nil }
}

/// The arithmetic of one endpoint's limits, at instants the caller gives: requests in flight, and
/// two buckets (requests, tokens) that refill continuously at their rate per minute up to one
/// minute's worth. Tokens are charged in advance and corrected afterwards, so the token bucket
/// may go below zero after a request that used more than its estimate; later ones then wait.
struct EndpointBudget {
    enum Decision: Equatable {
        /// Go ahead; this many tokens were charged.
        case admitted(chargedTokens: Int)
        /// A rate is spent: ask again at this instant.
        case waitUntil(ContinuousClock.Instant)
        /// Every slot is taken: ask again when a request ends.
        case waitForSlot
    }

    let limits: EndpointLimits
    private(set) var inFlight = 0
    private(set) var requestsAvailable: Double
    private(set) var tokensAvailable: Double
    private var refilledAt: ContinuousClock.Instant

    init(limits: EndpointLimits, now: ContinuousClock.Instant) {
        self.limits = limits
        requestsAvailable = Double(limits.requestsPerMinute ?? 0)
        tokensAvailable = Double(limits.tokensPerMinute ?? 0)
        refilledAt = now
    }

    var hasFreeSlot: Bool { limits.concurrency.map { inFlight < $0 } ?? true }

    /// Takes a slot, a request and the estimated tokens together, or nothing: a request waiting
    /// for one limit holds no share of another.
    mutating func admit(estimatedTokens: Int, at now: ContinuousClock.Instant) -> Decision {
        refill(to: now)
        guard hasFreeSlot else { return .waitForSlot }
        // More than a minute's worth could never be admitted; such a request waits for a full bucket.
        let tokens = min(max(0, estimatedTokens), limits.tokensPerMinute ?? .max)
        var wait = Duration.zero
        if let rate = limits.requestsPerMinute, requestsAvailable < 1 {
            wait = max(wait, Self.time(toRefill: 1 - requestsAvailable, perMinute: rate))
        }
        if let rate = limits.tokensPerMinute, tokensAvailable < Double(tokens) {
            wait = max(wait, Self.time(toRefill: Double(tokens) - tokensAvailable, perMinute: rate))
        }
        if wait > .zero { return .waitUntil(now + wait) }
        inFlight += 1
        if limits.requestsPerMinute != nil { requestsAvailable -= 1 }
        if limits.tokensPerMinute != nil { tokensAvailable -= Double(tokens) }
        return .admitted(chargedTokens: tokens)
    }

    /// A request ended: its slot is free, and what it was charged is corrected by the tokens it
    /// really used (nil when unknown, as for a failed request: the estimate stands).
    mutating func settle(chargedTokens: Int, usedTokens: Int?, at now: ContinuousClock.Instant) {
        refill(to: now)
        inFlight = max(0, inFlight - 1)
        if let rate = limits.tokensPerMinute, let usedTokens {
            tokensAvailable = min(Double(rate), tokensAvailable - Double(usedTokens - chargedTokens))
        }
    }

    private mutating func refill(to now: ContinuousClock.Instant) {
        guard now > refilledAt else { return }
        let seconds = (now - refilledAt).timeInterval
        refilledAt = now
        if let rate = limits.requestsPerMinute {
            requestsAvailable = min(Double(rate), requestsAvailable + seconds * Double(rate) / 60)
        }
        if let rate = limits.tokensPerMinute {
            tokensAvailable = min(Double(rate), tokensAvailable + seconds * Double(rate) / 60)
        }
    }

    static func time(toRefill amount: Double, perMinute rate: Int) -> Duration {
        .nanoseconds(Int64((amount * 60e9 / Double(rate)).rounded(.up)))
    }
}

/// One endpoint's limits, shared by every task and lane of the process.
final class EndpointLimiter: Sendable {
    struct Permit: Sendable {
        let chargedTokens: Int
    }

    /// The body's UTF-8 bytes per token assumed in advance: Japanese runs near one token per
    /// character, three bytes; English is cheaper, so the estimate errs high.
    static let bytesPerEstimatedToken = 3
    /// Completion tokens assumed for a request that sets no bound.
    static let unboundedCompletionEstimate = 1024

    static func estimatedTokens(bodyBytes: Int, maximumCompletionTokens: Int?) -> Int {
        bodyBytes / bytesPerEstimatedToken + (maximumCompletionTokens ?? unboundedCompletionEstimate)
    }

    private struct Guarded {
        var budget: EndpointBudget
        var slotWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let guarded: Mutex<Guarded>

    init(limits: EndpointLimits) {
        guarded = Mutex(Guarded(budget: EndpointBudget(limits: limits, now: .now)))
    }

    /// Waits until the limits admit a request of about `estimatedTokens`, then takes its share.
    /// Waiting holds nothing (a request sleeping for a rate takes no slot) and ends at once with
    /// `CancellationError` when the caller is cancelled. Every permit must be `release`d.
    func acquire(estimatedTokens: Int) async throws(CancellationError) -> Permit {
        while true {
            if Task.isCancelled { throw CancellationError() }
            switch guarded.withLock({ $0.budget.admit(estimatedTokens: estimatedTokens, at: .now) }) {
            case .admitted(let charged):
                return Permit(chargedTokens: charged)
            case .waitUntil(let instant):
                do { try await Task.sleep(until: instant, clock: .continuous) } catch { throw CancellationError() }
            case .waitForSlot:
                await waitForSlot()
            }
        }
    }

    func release(_ permit: Permit, usedTokens: Int?) {
        let waiters = guarded.withLock { guarded in
            guarded.budget.settle(chargedTokens: permit.chargedTokens, usedTokens: usedTokens, at: .now)
            defer { guarded.slotWaiters = [:] }
            return Array(guarded.slotWaiters.values)
        }
        // Every waiter asks again; those that lose the race wait again.
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when a slot may be free or the caller is cancelled. The slot is checked under the
    /// same lock that registers the waiter, so a release between the two cannot be missed.
    private func waitForSlot() async {
        let id = guarded.withLock { guarded in
            guarded.nextWaiter &+= 1
            return guarded.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = guarded.withLock { guarded in
                    if guarded.budget.hasFreeSlot || Task.isCancelled { return true }
                    guarded.slotWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            guarded.withLock { $0.slotWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}
