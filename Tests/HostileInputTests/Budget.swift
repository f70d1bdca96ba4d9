import Testing
import TestSupport

/// The bound every hostile input must stay within, whatever its size: the promise that
/// no single document, request or answer can stall or exhaust the machine.
enum Budget {
    static let seconds = 5.0
    static let residentBytes = 300 * 1_048_576
}

extension MeasuredRun {
    /// Checks the run ended by itself inside the budget, alive (an exit status, not a signal).
    func expectWithinBudget(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(seconds < Budget.seconds, "\(what): \(self)", sourceLocation: sourceLocation)
        #expect(peakResidentBytes < Budget.residentBytes, "\(what): \(self)", sourceLocation: sourceLocation)
        #expect(peakResidentBytes > 0, "\(what): the memory high-water mark was never read", sourceLocation: sourceLocation)
        #expect(!endedBySignal, "\(what) did not end by itself: \(self)\n\(result.errors)", sourceLocation: sourceLocation)
    }
}
