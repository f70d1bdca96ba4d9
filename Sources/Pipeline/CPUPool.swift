import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Threads of their own for CPU-heavy work: parsing feeds and subscription lists, sanitising
/// entries, extracting articles. Swift's cooperative pool has one thread per core and also
/// serves the site; a 15 MiB document parsed there would leave readers waiting. One pool per
/// process, started and shut down with `Services`.
public final class CPUPool: Sendable {
    /// One thread fewer than the cores, so that one core always has room for the site.
    public static let defaultThreadCount = max(1, System.coreCount - 1)

    private let threads: NIOThreadPool

    public init(threadCount: Int = CPUPool.defaultThreadCount) {
        threads = NIOThreadPool(numberOfThreads: max(1, threadCount))
        threads.start()
    }

    /// Runs `work` on one of the pool's threads. Work cannot be interrupted once started, so
    /// everything run here is bounded by its own limits (document size, depth, time budget).
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await threads.runIfActive(work)
    }

    /// Waits for the work already queued; work submitted afterwards fails.
    public func shutdown() async {
        try? await threads.shutdownGracefully()
    }
}

/// A source, a step or a document that took longer than it may.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public var limit: Duration

    public var description: String { "did not finish within \(limit.wholeSeconds) s" }
}

extension Duration {
    var wholeSeconds: Int64 { components.seconds + (components.attoseconds > 0 ? 1 : 0) }
}

/// Runs `work` in a task of its own and waits for it at most `limit`. Past the limit the work is
/// cancelled and left to end by itself, and the caller goes on at once with `DeadlineExceeded`:
/// it never waits for a straggler, even one busy on a thread that cannot be interrupted. So the
/// work must not write anything the caller would write too; it returns what it found instead.
func withDeadline<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let first = FirstOutcome<T>()
    let worker = Task { first.deliver(await Result { try await work() }) }
    let timer = Task {
        try await Task.sleep(for: limit)
        first.deliver(.failure(DeadlineExceeded(limit: limit)))
    }
    defer {
        worker.cancel()
        timer.cancel()
    }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { first.wait(with: $0) }
    } onCancel: {
        first.deliver(.failure(CancellationError()))
    }
}

/// The first of several outcomes, handed to one waiting continuation whichever arrives first.
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var outcome: Result<T, any Error>?
    }

    private let state = Mutex(State())

    func wait(with continuation: CheckedContinuation<T, any Error>) {
        let ready = state.withLock { state -> Result<T, any Error>? in
            guard let outcome = state.outcome else {
                state.continuation = continuation
                return nil
            }
            return outcome
        }
        if let ready { continuation.resume(with: ready) }
    }

    func deliver(_ outcome: Result<T, any Error>) {
        let waiting = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            return state.continuation
        }
        waiting?.resume(with: outcome)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
