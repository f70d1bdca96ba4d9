import Foundation

extension Duration {
    /// The duration in seconds, fractions included, for arithmetic with rates and dates and for printing.
    public var timeInterval: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
