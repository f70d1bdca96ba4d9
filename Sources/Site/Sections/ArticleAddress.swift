import Foundation

// The article's readable address, `/articles/<id>-<slug>`, and the YouTube id a video item's
// player and thumbnail are built from.

extension SitePages {
    /// The article's canonical path: its id and the slug of its original title, or the id alone
    /// when the title has no ASCII word. Every page links to articles through this.
    static func articlePath(id: Int64, title: String) -> String {
        let slug = Slug.of(title)
        return slug.isEmpty ? articlePath(id) : "/articles/\(id)-\(slug)"
    }
}

/// Lowercase ASCII words of a title joined by `-`: readable in a shared link and never in need of
/// percent-encoding. Words written in other scripts are left out; the id names the article.
enum Slug {
    static let maximumLength = 60

    static func of(_ title: String) -> String {
        var words: [String] = []
        var word = ""
        // Accents are dropped rather than splitting a word: "café" is "cafe".
        for scalar in title.folding(options: .diacriticInsensitive, locale: nil).unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                word.unicodeScalars.append(scalar)
            } else if scalar == "'" || scalar == "\u{2019}" {
                continue  // "OpenAI's" is one word
            } else if !word.isEmpty {
                words.append(word.lowercased())
                word = ""
            }
        }
        if !word.isEmpty { words.append(word.lowercased()) }
        var slug = ""
        for word in words {
            let longer = slug.isEmpty ? word : slug + "-" + word
            guard longer.count <= maximumLength else { break }
            slug = longer
        }
        // A first word longer than the limit is cut rather than dropped.
        return slug.isEmpty ? String(words.first?.prefix(maximumLength) ?? "") : slug
    }
}

/// A YouTube video id: exactly 11 characters of the URL-safe base64 alphabet. Anything else a
/// feed wrote is never put into an address.
enum VideoID {
    static let length = 11

    static func checked(_ candidate: String?) -> String? {
        guard let candidate, candidate.utf8.count == length,
              candidate.utf8.allSatisfy({ byte in
                  (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                      || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
              })
        else { return nil }
        return candidate
    }

    static func embedURL(_ id: String) -> String { "https://www.youtube-nocookie.com/embed/\(id)" }
    static func thumbnailURL(_ id: String) -> String { "https://i.ytimg.com/vi/\(id)/hqdefault.jpg" }
}
