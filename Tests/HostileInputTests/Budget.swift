import Testing
import TestSupport

/// The bound every hostile input must stay within, whatever its size: the promise that
/// no single document, request or answer can stall or exhaust the machine.
/// Time is counted as the child's processor time: wall time on a two-core machine shared with the
/// rest of the suite measures the neighbours as much as the input. Wall time gets a looser ceiling
/// that still catches a process waiting on something instead of computing.
enum Budget {
    static let seconds = 5.0
    static let wallSeconds = 30.0
    static let residentBytes = 300 * 1_048_576
}

extension MeasuredRun {
    /// Checks the run ended by itself inside the budget, alive (an exit status, not a signal).
    func expectWithinBudget(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        print("\(what): \(self)")
        #expect(processorSeconds < Budget.seconds, "\(what): \(self)", sourceLocation: sourceLocation)
        #expect(seconds < Budget.wallSeconds, "\(what): \(self)", sourceLocation: sourceLocation)
        #expect(peakResidentBytes < Budget.residentBytes, "\(what): \(self)", sourceLocation: sourceLocation)
        #expect(peakResidentBytes > 0, "\(what): the memory high-water mark was never read", sourceLocation: sourceLocation)
        #expect(!endedBySignal, "\(what) did not end by itself: \(self)\n\(result.errors)", sourceLocation: sourceLocation)
    }
}
