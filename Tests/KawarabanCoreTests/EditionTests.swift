import Foundation
import Testing
import KawarabanCore

@Suite struct EditionTests {
    @Test func datesAreShownInJapanTime() {
        // 2026-05-08T15:25:00Z is 00:25 on 9 May in Tokyo.
        let date = Date(timeIntervalSince1970: 1_778_253_900)
        #expect(Edition.japanese.displayDateTime(date) == "2026年5月9日 00:25")
        #expect(Edition.japanese.isoDateTime(date) == "2026-05-09T00:25:00+09:00")
    }

    @Test func readingTimeCountsJapaneseCharacters() {
        #expect(ReadingTime.minutes(for: "") == 1)
        #expect(ReadingTime.minutes(for: String(repeating: "あ", count: 500)) == 1)
        #expect(ReadingTime.minutes(for: String(repeating: "漢", count: 501)) == 2)
        #expect(ReadingTime.minutes(for: String(repeating: "字", count: 2400)) == 5)
        // Latin words inside Japanese text count as two characters each.
        #expect(ReadingTime.minutes(for: String(repeating: "OpenAI ", count: 300)) == 2)
    }
}
