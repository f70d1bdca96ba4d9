import Foundation
import KawarabanCore
import Testing

@Suite struct DigestSlotTests {
    let tokyo = Edition.japanese.timeZone

    @Test(arguments: [
        (DigestKind.daily, "2026-11-29"), (.hacker, "2024-02-29"), (.weekly, "2026-W48"), (.weekly, "2026-W53"),
        (.weekly, "2020-W53"),
    ])
    func aWellFormedKeyNamesItsSlot(kind: DigestKind, key: String) {
        #expect(DigestSlot(kind: kind, key: key)?.key == key)
    }

    @Test(arguments: [
        (DigestKind.daily, "2026-11-31"), (.daily, "2025-02-29"), (.daily, "2026-1-29"), (.daily, "2026-11-29 "),
        (.daily, "２０２６-11-29"), (.daily, "1999-12-31"), (.daily, "+026-11-29"), (.hacker, "2026-W48"),
        (.weekly, "2027-W53"), (.weekly, "2026-W00"), (.weekly, "2026-w48"), (.weekly, "2026-11-29"), (.daily, ""),
    ])
    func anythingElseIsNoSlot(kind: DigestKind, key: String) {
        #expect(DigestSlot(kind: kind, key: key) == nil)
    }

    @Test func aDayIsTheEditionsDay() throws {
        // 2026-11-28 15:00 UTC is midnight of the 29th in Tokyo.
        let midnight = Date(timeIntervalSince1970: 1_795_878_000)
        let slot = DigestSlot(kind: .daily, containing: midnight, timeZone: tokyo)
        #expect(slot.key == "2026-11-29")
        #expect(DigestSlot(kind: .daily, containing: midnight.addingTimeInterval(-1), timeZone: tokyo).key == "2026-11-28")
        #expect(slot.interval(in: tokyo) == DateInterval(start: midnight, duration: 86_400))
        #expect(slot.previous(in: tokyo).key == "2026-11-28")
    }

    @Test func aWeekRunsFromMondayToSundayInTheEditionsZone() throws {
        // Monday 2026-11-23 00:00 JST.
        let monday = Date(timeIntervalSince1970: 1_795_359_600)
        let slot = try #require(DigestSlot(kind: .weekly, key: "2026-W48"))
        #expect(slot.interval(in: tokyo) == DateInterval(start: monday, duration: 7 * 86_400))
        #expect(DigestSlot(kind: .weekly, containing: monday, timeZone: tokyo) == slot)
        #expect(DigestSlot(kind: .weekly, containing: monday.addingTimeInterval(-1), timeZone: tokyo).key == "2026-W47")
        // 2027-01-01 is a Friday: it belongs to the last week of 2026.
        let newYear = try #require(DigestSlot(kind: .daily, key: "2027-01-01")).interval(in: tokyo).start
        #expect(DigestSlot(kind: .weekly, containing: newYear, timeZone: tokyo).key == "2026-W53")
        #expect(slot.previous(in: tokyo).key == "2026-W47")
    }
}

extension DigestSlotTests {
    @Test func aPeriodIsNamedAsAJapanesePageNamesIt() throws {
        #expect(try #require(DigestSlot(kind: .daily, key: "2026-11-29")).japaneseName(in: tokyo) == "2026年11月29日（日）")
        #expect(try #require(DigestSlot(kind: .hacker, key: "2026-12-01")).japaneseName(in: tokyo, withYear: false) == "12月1日（火）")
        #expect(try #require(DigestSlot(kind: .weekly, key: "2026-W53")).japaneseName(in: tokyo)
            == "2026年第53週（12月28日〜1月3日）")
    }
}
