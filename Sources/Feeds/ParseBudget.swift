import Foundation

/// How much work one document may cost, in processor time of the thread that parses it: every
/// scan is linear and every structure bounded, and this is the backstop for whatever is left.
/// Processor time rather than wall time, so that a feed on a busy machine is not refused for
/// waiting its turn.
public struct ParseBudget: Sendable {
    /// A 43 MB full-content feed takes well under a second; a fetched document is at most 15 MiB.
    public static let standardLimit: Duration = .seconds(3)
    public static let standard = ParseBudget(limit: standardLimit, clock: threadProcessorTime)

    public var limit: Duration
    /// Time that only goes forward; the budget is spent when it has moved `limit` since the start.
    public var clock: @Sendable () -> Duration

    public init(limit: Duration, clock: @escaping @Sendable () -> Duration) {
        self.limit = limit
        self.clock = clock
    }

    /// The processor time the calling thread has used.
    @Sendable public static func threadProcessorTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }
}

/// One document's budget, started when its parse starts.
final class BudgetMeter {
    private let budget: ParseBudget
    private let start: Duration

    init(_ budget: ParseBudget) {
        self.budget = budget
        start = budget.clock()
    }

    var isSpent: Bool { budget.clock() - start > budget.limit }

    func check() throws(FeedParseError) {
        if isSpent { throw .overBudget(limit: budget.limit) }
    }
}
