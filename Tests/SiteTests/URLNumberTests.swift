import Testing
@testable import Site

@Suite struct URLNumberTests {
    @Test func numbersWrittenAsTheSiteWritesThemAreReadUpToTheirBound() throws {
        #expect(URLNumber.parse("1", in: URLNumber.pages) == 1)
        #expect(URLNumber.parse("10000", in: URLNumber.pages) == URLNumber.maximumPage)
        #expect(URLNumber.parse("9223372036854775807", in: URLNumber.articleIDs) == Int64.max)
        #expect(URLNumber.parse("42"[...], in: URLNumber.articleIDs) == 42)
    }

    @Test(arguments: ["", "0", "01", "-1", "+1", " 1", "1 ", "1e3", "1.0", "0x1", "١", "１", "10001",
                      "9223372036854775807", "9223372036854775808", String(repeating: "9", count: 100_000)])
    func anyOtherTextIsNoPage(text: String) {
        #expect(URLNumber.parse(text, in: URLNumber.pages) == nil)
    }

    @Test(arguments: ["0", "-9223372036854775808", "9223372036854775808", "18446744073709551616", "%00", "1\u{0}"])
    func idsOutsideInt64OrBelowOneAreNoArticle(text: String) {
        #expect(URLNumber.parse(text, in: URLNumber.articleIDs) == nil)
    }
}
