import Hummingbird

/// Every number the site reads from an address, path or query, goes through here: bounded, so that
/// arithmetic on it (a page's offset) cannot overflow, and parsed without a trap.
///
/// An address that does not name a page we serve gets the not-found page (404), whether the
/// number is malformed, out of range or given twice: the site links only to well-formed
/// addresses, so any other one is a page that does not exist rather than a request to correct.
enum URLNumber {
    /// Pages of the latest list served, 30 articles each: more than a reader pages through, and
    /// small enough that a page's offset is a cheap sort and far from overflowing.
    static let maximumPage = 10_000
    static let pages = 1...maximumPage
    /// Stored ids are positive 64-bit integers.
    static let articleIDs: ClosedRange<Int64> = 1...Int64.max
    static let entityIDs: ClosedRange<Int64> = 1...Int64.max

    /// The number written in `text`, when it is in `range` and written as the site writes it:
    /// ASCII digits only, no sign, no leading zero, no exponent.
    static func parse<Number: FixedWidthInteger>(_ text: some StringProtocol, in range: ClosedRange<Number>) -> Number? {
        let digits = text.utf8
        // A longer run of digits than the type's largest value cannot be in range; checking the
        // length first keeps the parse short whatever was sent.
        guard let first = digits.first, first != UInt8(ascii: "0"),
              digits.count <= String(Number.max).utf8.count,
              digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let number = Number(text, radix: 10), range.contains(number)
        else { return nil }
        return number
    }

    /// The number in the path parameter `name`, or nil when it is missing or not one we serve.
    static func path<Number: FixedWidthInteger>(_ name: String, of context: some RequestContext,
                                                in range: ClosedRange<Number>) -> Number? {
        context.parameters.get(name).flatMap { parse($0, in: range) }
    }

    /// What a query parameter holds.
    enum Query<Number> {
        case absent
        case number(Number)
        /// Malformed, out of range, or given more than once.
        case invalid
    }

    /// The `page` a list or search is asked for: 1 when absent; not found when not one we serve.
    static func page(of request: Request) throws -> Int {
        switch query("page", of: request, in: pages) {
        case .absent: return 1
        case .number(let number): return number
        case .invalid: throw HTTPError(.notFound)
        }
    }

    static func query<Number: FixedWidthInteger>(_ name: String, of request: Request,
                                                 in range: ClosedRange<Number>) -> Query<Number> {
        let values = request.uri.queryParameters.getAll(name)
        switch values.count {
        case 0: return .absent
        case 1: return parse(values[0], in: range).map(Query.number) ?? .invalid
        default: return .invalid
        }
    }
}
