import Foundation

/// Dates as feeds write them: RFC 822 (RSS), W3C/ISO 8601 (Atom, Dublin Core), and the usual
/// broken variants of both. Always UTC; nil when nothing sensible can be read.
public enum FeedDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    /// Named zones seen in feeds, in minutes east of UTC.
    static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420,
        "mdt": -360, "pst": -480, "pdt": -420, "jst": 540, "kst": 540, "cet": 60, "cest": 120, "bst": 60,
        "ist": 330, "aest": 600, "hkt": 480, "sgt": 480,
    ]

    public static func parse(_ string: String) -> Date? {
        let text = FeedText.trim(string)
        let bytes = text.utf8
        guard let first = bytes.first else { return nil }
        if (0x30...0x39).contains(first), bytes.count >= 10,
           bytes.dropFirst(4).first == UInt8(ascii: "-") || bytes.dropFirst(4).first == UInt8(ascii: "/") {
            return iso8601(text)
        }
        return rfc822(text)
    }

    /// 2026-11-23, 2026-11-23T10:00Z, 2026-11-23T10:00:00.123+09:00, 2026-11-23 10:00:00 +0900,
    /// and 2026/11/23 10:00, which Japanese sites write.
    static func iso8601(_ text: String) -> Date? {
        let scalars = Array(text.utf8)
        var position = 0
        func number(_ digits: Int) -> Int? {
            guard position + digits <= scalars.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = scalars[position + offset]
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            position += digits
            return value
        }
        func skip(_ byte: UInt8) -> Bool {
            guard position < scalars.count, scalars[position] == byte else { return false }
            position += 1
            return true
        }
        func separator() -> Bool { skip(0x2D) || skip(0x2F) }
        guard let year = number(4), separator(), let month = number(2), separator(), let day = number(2) else { return nil }
        var hour = 0, minute = 0, second = 0, offset = 0
        if position < scalars.count, scalars[position] == 0x54 || scalars[position] == 0x74 || scalars[position] == 0x20 {
            position += 1
            guard let h = number(2), skip(0x3A), let m = number(2) else { return nil }
            hour = h
            minute = m
            if skip(0x3A) { second = number(2) ?? 0 }
            if skip(0x2E) || skip(0x2C) { while position < scalars.count, (0x30...0x39).contains(scalars[position]) { position += 1 } }
            _ = skip(0x20)
            if position < scalars.count {
                let sign = scalars[position]
                if sign == 0x5A || sign == 0x7A {
                    position += 1
                } else if sign == 0x2B || sign == 0x2D {
                    position += 1
                    guard let zoneHours = number(2) else { return nil }
                    _ = skip(0x3A)
                    let zoneMinutes = number(2) ?? 0
                    offset = (zoneHours * 60 + zoneMinutes) * (sign == 0x2D ? -1 : 1)
                }
            }
        }
        return makeDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetMinutes: offset)
    }

    /// Mon, 23 Nov 2026 10:00:00 GMT; 23 Nov 26 10:00 +0900; Monday, 23-Nov-2026 10:00:00 EST …
    static func rfc822(_ text: String) -> Date? {
        var tokens = text.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x2C || $0 == 0x2D || $0 == 0x09 || $0 == 0x0A })
            .map { String(decoding: $0, as: UTF8.self) }
        if let first = tokens.first, first.utf8.allSatisfy(FeedText.isLetter) {
            let lowered = first.lowercased()
            if !months.contains(String(lowered.prefix(3))) || first.utf8.count > 3 && !lowered.hasPrefix("may") {
                tokens.removeFirst()  // the weekday
            }
        }
        guard tokens.count >= 3 else { return nil }
        var day: Int?, month: Int?
        // Day and month come in either order: "23 Nov" or "Nov 23".
        if let number = Int(tokens[0]), let name = monthNumber(tokens[1]) {
            day = number
            month = name
        } else if let name = monthNumber(tokens[0]), let number = Int(tokens[1]) {
            month = name
            day = number
        }
        // asctime puts the clock before the year: "Mon Nov 23 15:25:00 2026".
        if tokens.count > 3, FeedText.contains(tokens[2], UInt8(ascii: ":")), Int(tokens[3]) != nil { tokens.swapAt(2, 3) }
        guard let day, let month, var year = Int(tokens[2]) else { return nil }
        if year < 100 { year += year < 70 ? 2000 : 1900 }
        var hour = 0, minute = 0, second = 0, offset = 0
        if tokens.count > 3 {
            let clock = tokens[3].split(separator: ":").map { Int($0) }
            guard clock.count >= 2, let h = clock[0], let m = clock[1] else { return nil }
            hour = h
            minute = m
            second = clock.count > 2 ? clock[2] ?? 0 : 0
        }
        if tokens.count > 4 { offset = zoneOffset(tokens[4], signedBy: text) ?? 0 }
        return makeDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetMinutes: offset)
    }

    private static func monthNumber(_ token: String) -> Int? {
        months.firstIndex(of: String(token.lowercased().prefix(3))).map { $0 + 1 }
    }

    /// "+0900", "+09:00", "0900" after a "-" the tokenizer removed, or a zone name.
    private static func zoneOffset(_ token: String, signedBy text: String) -> Int? {
        if let minutes = zones[token.lowercased()] { return minutes }
        // Byte by byte, as Foundation's string searches cost more than the rest of the date.
        let bytes = token.utf8
        let plus = UInt8(ascii: "+")
        let start = bytes.firstIndex { $0 != plus } ?? bytes.endIndex
        let end = bytes.lastIndex { $0 != plus }.map(bytes.index(after:)) ?? start
        let unsigned = token[start..<end]
        let digits = String(decoding: unsigned.utf8.filter { $0 != UInt8(ascii: ":") }, as: UTF8.self)
        guard digits.count == 4, let value = Int(digits) else { return nil }
        let magnitude = (value / 100) * 60 + value % 100
        let signed = Array(("-" + unsigned).utf8)
        let written = Array(text.utf8)
        let isNegative = written.indices.dropLast(signed.count - 1).contains { written[$0..<($0 + signed.count)].elementsEqual(signed) }
        return isNegative ? -magnitude : magnitude
    }

    /// Days from the civil calendar, so no Calendar or DateFormatter is needed on the hot path.
    static func makeDate(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offsetMinutes: Int) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (0...24).contains(hour), (0...59).contains(minute),
              (0...60).contains(second), (1000...9999).contains(year)
        else { return nil }
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
