import Foundation
import KawarabanCore
import Logging
import Store

/// When the LLM stages pause and for how long.
public struct LLMPausePolicy: Sendable, Equatable {
    /// Transient failures in a row, with no answer between them, that pause the LLM stages.
    public static let defaultFailuresBeforePause = 5
    /// The first pause; each pause in a row doubles it.
    public static let defaultFirstPause: TimeInterval = 60
    /// No pause is longer: a provider down for a day is still tried every few hours.
    public static let defaultLongestPause: TimeInterval = 6 * 3600
    /// A pause is shortened by up to this fraction at random, so that processes that paused
    /// together do not all come back at the same instant.
    public static let jitterFraction = 0.25

    public var failuresBeforePause: Int
    public var firstPause: TimeInterval
    public var longestPause: TimeInterval

    public init(failuresBeforePause: Int = LLMPausePolicy.defaultFailuresBeforePause,
                firstPause: TimeInterval = LLMPausePolicy.defaultFirstPause,
                longestPause: TimeInterval = LLMPausePolicy.defaultLongestPause) {
        self.failuresBeforePause = max(1, failuresBeforePause)
        self.firstPause = firstPause
        self.longestPause = max(firstPause, longestPause)
    }

    /// The length of the `pauses`-th pause in a row: doubled each time up to the longest, then
    /// shortened by `jitter` (0…1) times `jitterFraction`.
    public func pause(number pauses: Int, jitter: Double) -> TimeInterval {
        let doubled = firstPause * pow(2, Double(min(max(pauses - 1, 0), 40)))
        return min(doubled, longestPause) * (1 - Self.jitterFraction * min(max(jitter, 0), 1))
    }
}

/// The circuit breaker's rules, as pure functions of the stored state and the time: no I/O, no
/// clock of its own, so every rule is tested by handing it a state and a `now`.
///
/// - closed: every LLM step runs; transient failures are counted, an answer resets the count;
/// - `failuresBeforePause` transient failures in a row open it: the LLM stages pause;
/// - when the pause ends one worker at a time may take the probe: one LLM step;
/// - the probe's answer closes it; its transient failure opens it again for twice as long.
public struct LLMCircuitRules: Sendable {
    public var policy: LLMPausePolicy
    /// 0…1; random in production, fixed in tests.
    public var jitter: @Sendable () -> Double

    public init(policy: LLMPausePolicy, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) {
        self.policy = policy
        self.jitter = jitter
    }

    /// What a worker may claim now.
    public enum Gate: Sendable, Equatable {
        /// Every stage.
        case open
        /// Everything but the LLM stages, until the probe time.
        case paused(until: Date)
        /// The pause is over and nobody is probing: whoever takes the probe makes one LLM call.
        case probeDue
    }

    public func gate(_ state: LLMCircuitState, now: Date) -> Gate {
        guard state.isPaused else { return .open }
        let probeAt = state.nextProbeAt ?? now
        if probeAt > now { return .paused(until: probeAt) }
        if let until = state.probeUntil, state.probeOwner != nil, until > now { return .paused(until: until) }
        return .probeDue
    }

    /// `owner` takes the probe for `lease` seconds; nil when it is not due or someone else has it.
    public func takeProbe(_ state: LLMCircuitState, owner: String, lease: TimeInterval, now: Date) -> LLMCircuitState? {
        guard gate(state, now: now) == .probeDue else { return nil }
        var next = state
        next.probeOwner = owner
        next.probeUntil = now.addingTimeInterval(lease)
        return next
    }

    /// The probe was not used (nothing waited for the LLM): the next worker may take it.
    public func releaseProbe(_ state: LLMCircuitState, owner: String) -> LLMCircuitState {
        guard state.probeOwner == owner else { return state }
        var next = state
        next.probeOwner = nil
        next.probeUntil = nil
        return next
    }

    /// The provider answered (valid or not): the circuit closes.
    public func afterAnswer(_ state: LLMCircuitState, now: Date) -> LLMCircuitState {
        LLMCircuitState(lastSuccessAt: now)
    }

    /// A transient failure: counted, and the circuit opens at the threshold. While paused only the
    /// probe's failure matters (it starts a longer pause); steps that were under way when the
    /// pause began fail without extending it.
    public func afterTransientFailure(_ state: LLMCircuitState, reason: String, owner: String, now: Date) -> LLMCircuitState {
        var next = state
        next.consecutiveFailures += 1
        next.lastError = reason
        if state.isPaused {
            guard state.probeOwner == owner else { return next }
            next.pauses += 1
        } else {
            guard next.consecutiveFailures >= policy.failuresBeforePause else { return next }
            next.pauses = 1
            next.pausedSince = now
        }
        next.nextProbeAt = now.addingTimeInterval(policy.pause(number: next.pauses, jitter: jitter()))
        next.probeOwner = nil
        next.probeUntil = nil
        return next
    }

    /// Whether a transient failure is the item's own and counts as one of its attempts: only when
    /// the provider answered some call `since` the item's previous failure (or, on its first, since
    /// this step began), so that the provider was up while the item kept failing. A provider that
    /// is down, slow or refusing everyone fails no item.
    public func chargesItem(_ state: LLMCircuitState, since: Date) -> Bool {
        guard let lastSuccessAt = state.lastSuccessAt else { return false }
        return lastSuccessAt > since
    }
}

/// The circuit breaker around the LLM stages, with its state in the database so that every
/// worker process and `kawaraban status` share it. Each change is read, decided by the rules and
/// written back only if nobody changed it meanwhile, else decided again.
public struct LLMCircuitBreaker: Sendable {
    public let store: Store
    public let rules: LLMCircuitRules
    let logger: Logger

    public init(store: Store, rules: LLMCircuitRules, logger: Logger) {
        self.store = store
        self.rules = rules
        self.logger = logger
    }

    /// Applies `change` to the stored state until the write wins; returns the state before and after.
    @discardableResult
    func update(_ change: (LLMCircuitState) -> LLMCircuitState?) async throws(StoreError) -> (LLMCircuitState, LLMCircuitState)? {
        while true {
            let stored = try await store.llmCircuit()
            guard let next = change(stored.state) else { return nil }
            if next == stored.state { return (stored.state, next) }
            if try await store.replaceLLMCircuit(next, ifVersion: stored.version) { return (stored.state, next) }
        }
    }

    /// Claims through `claim` what the circuit allows now: every stage while closed, none of the
    /// LLM stages while paused, and when the pause is over one LLM item as the probe, taken by one
    /// worker only. Returns the item and whether it is the probe.
    public func claim(stages: [Stage], owner: String, lease: TimeInterval, now: Date,
                      _ claim: ([Stage]) async throws -> Item?) async throws -> Item? {
        let llmStages = stages.filter { Stage.needingLLM.contains($0) }
        let otherStages = stages.filter { !Stage.needingLLM.contains($0) }
        guard !llmStages.isEmpty else { return try await claim(stages) }
        let state = try await store.llmCircuit().state
        switch rules.gate(state, now: now) {
        case .open:
            return try await claim(stages)
        case .paused:
            return try await claim(otherStages)
        case .probeDue:
            guard try await update({ rules.takeProbe($0, owner: owner, lease: lease, now: now) }) != nil else {
                return try await claim(otherStages)
            }
            if let probe = try await claim(llmStages) {
                logger.notice("LLM pause over: one call probes the provider", metadata: ["item": "\(probe.id)"])
                return probe
            }
            try await update { rules.releaseProbe($0, owner: owner) }
            return try await claim(otherStages)
        }
    }

    /// The probe ended without an answer either way (the step failed for its own reasons): the
    /// next worker may probe.
    public func releaseProbe(owner: String) async throws(StoreError) {
        try await update { rules.releaseProbe($0, owner: owner) }
    }

    public func recordAnswer(now: Date) async throws(StoreError) {
        guard let (before, _) = try await update({ rules.afterAnswer($0, now: now) }) else { return }
        if before.isPaused { logger.notice("the LLM provider answers again: LLM stages resume") }
    }

    /// Records a transient failure of `item`'s step; returns whether it counts as one of its attempts.
    public func recordTransientFailure(of item: Item, reason: String, owner: String, stepStartedAt: Date,
                                       now: Date) async throws(StoreError) -> Bool {
        // An item that failed before has not changed since, so its last change is that failure.
        let previousFailure = item.lastError == nil ? nil : try await store.lastChange(ofItem: item.id)
        return try await recordTransientFailure(reason: reason, owner: owner, since: previousFailure ?? stepStartedAt, now: now)
    }

    func recordTransientFailure(reason: String, owner: String, since: Date, now: Date) async throws(StoreError) -> Bool {
        guard let (before, after) = try await update({ rules.afterTransientFailure($0, reason: reason, owner: owner, now: now) })
        else { return false }
        if let probeAt = after.nextProbeAt, before.nextProbeAt != probeAt {
            logger.warning("LLM stages paused after \(after.consecutiveFailures) failures in a row",
                           metadata: ["next_probe_at": "\(probeAt)", "reason": "\(reason)"])
        }
        return rules.chargesItem(after, since: since)
    }
}
