import Foundation
import KawarabanCore

/// When each digest slot is due, and which slots are due at a moment: a pure function of the
/// moment, the settings and the first item, so that it is tested without a clock.
///
/// The daily and Hacker News slots of day D are due at D+1 at the configured time of day; the
/// weekly slot of week W on the Monday after W at that time, all in the edition's time zone.
public struct DigestSchedule: Sendable, Hashable {
    /// How far back a pass looks for due slots not written: a server down over a long weekend
    /// still writes what it missed, and an old gap is left to `kawaraban digest`.
    public static let catchUpDays = 7

    public var timeOfDay: DigestTimeOfDay
    public var timeZone: TimeZone

    public init(timeOfDay: DigestTimeOfDay, timeZone: TimeZone) {
        self.timeOfDay = timeOfDay
        self.timeZone = timeZone
    }

    /// The moment `slot` is due: the configured time on the day after its period ends.
    public func dueAt(_ slot: DigestSlot) -> Date {
        let calendar = Calendar.gregorian(in: timeZone)
        let end = slot.interval(in: timeZone).end
        return calendar.date(byAdding: DateComponents(hour: timeOfDay.hour, minute: timeOfDay.minute), to: end) ?? end
    }

    /// The newest slot of `kind` due at or before `now`.
    public func latestDue(_ kind: DigestKind, now: Date) -> DigestSlot {
        var slot = DigestSlot(kind: kind, containing: now, timeZone: timeZone)
        while dueAt(slot) > now { slot = slot.previous(in: timeZone) }
        return slot
    }

    /// Every slot of `kinds` due at or before `now` and due within the last `catchUpDays`, newest
    /// first per kind, leaving out periods that ended before `firstItem` (a new installation does
    /// not write a week of empty digests); nothing at all for a database without items.
    public func dueSlots(kinds: [DigestKind], now: Date, firstItem: Date?) -> [DigestSlot] {
        guard let firstItem else { return [] }
        let oldest = now.addingTimeInterval(-Double(Self.catchUpDays * 86_400))
        return kinds.flatMap { kind in
            var slots: [DigestSlot] = []
            var slot = latestDue(kind, now: now)
            while dueAt(slot) >= oldest, slot.interval(in: timeZone).end > firstItem {
                slots.append(slot)
                slot = slot.previous(in: timeZone)
            }
            return slots
        }
    }
}

/// A time of day, `HH:MM` on a 24-hour clock, at which the digests of the day before are due.
public struct DigestTimeOfDay: Sendable, Hashable, CustomStringConvertible {
    public static let standard = DigestTimeOfDay(hour: 7, minute: 0)!

    public let hour: Int
    public let minute: Int

    public init?(hour: Int, minute: Int) {
        guard (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// `07:00`, `7:05`, `23:59`; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let hour = Int(parts[0]), let minute = Int(parts[1]) else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var description: String { String(format: "%02d:%02d", hour, minute) }
}
