import Foundation

/// The two registers of written Japanese. A text keeps to one: a body that drifts from one to the
/// other halfway reads as two writers.
public enum Register: String, Sendable, Hashable, CaseIterable, Codable {
    /// だ・である調: reporting.
    case plain
    /// です・ます調: the editors addressing the reader.
    case polite

    /// The name the prompts and the reasons use.
    public var name: String {
        switch self {
        case .plain: return "plain style (だ・である調)"
        case .polite: return "polite style (です・ます調)"
        }
    }

    public var other: Register { self == .plain ? .polite : .plain }
}

/// Which register each part of an article is written in; checked only in a Japanese edition.
public struct EditorialStyle: Sendable, Hashable {
    /// The translated body, the TL;DR and the key points.
    public var body: Register
    /// The impact analysis and the editorial comment.
    public var commentary: Register

    public init(body: Register, commentary: Register) {
        self.body = body
        self.commentary = commentary
    }

    /// What Japanese tech media do, and the site this is modelled on: the report plain, the
    /// editors' own voice polite.
    public static let standard = EditorialStyle(body: .plain, commentary: .polite)
}

/// The language, clock and style of one edition of the site. Japanese is the first edition.
public struct Edition: Sendable, Hashable {
    public var languageCode: String
    public var languageName: String
    public var timeZone: TimeZone
    public var style: EditorialStyle

    public init(languageCode: String, languageName: String, timeZone: TimeZone, style: EditorialStyle = .standard) {
        self.languageCode = languageCode
        self.languageName = languageName
        self.timeZone = timeZone
        self.style = style
    }

    /// Whether registers are checked: they are a property of Japanese.
    public var checksRegister: Bool { languageCode == "ja" }

    public static let japanese = Edition(
        languageCode: "ja", languageName: "日本語",
        timeZone: TimeZone(identifier: "Asia/Tokyo") ?? TimeZone(secondsFromGMT: 9 * 3600)!)

    /// "2026年5月9日 00:25" in the edition's time zone.
    public func displayDateTime(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%d年%d月%d日 %02d:%02d", parts.year ?? 0, parts.month ?? 0,
                      parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    /// "2026-05-09T00:25:00+09:00", for `<time datetime>`.
    public func isoDateTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Midnight that begins the edition's day holding `date`: "today" for its readers and operators.
    public func startOfDay(containing date: Date) -> Date {
        calendar.startOfDay(for: date)
    }

    private var calendar: Calendar { .gregorian(in: timeZone) }
}

extension Calendar {
    /// The Gregorian calendar whose days begin at midnight in `timeZone`.
    public static func gregorian(in timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}

public enum ReadingTime {
    /// Characters of Japanese text an adult reads in a minute; Latin words count as one each.
    public static let japaneseCharactersPerMinute = 500

    /// Whole minutes to read the text, at least one.
    public static func minutes(for text: String) -> Int {
        var units = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .otherPunctuation {
                inWord = false
            } else if scalar.isASCII {
                // A Latin word reads at about the speed of two Japanese characters.
                if !inWord { units += 2 }
                inWord = true
            } else {
                inWord = false
                units += 1
            }
        }
        return max(1, Int((Double(units) / Double(japaneseCharactersPerMinute)).rounded(.up)))
    }
}
