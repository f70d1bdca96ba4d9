import Foundation

/// What an element's name, attributes, class and id say about whether it holds the article.
/// Computed once per document, for every element.
struct ContentHints {
    /// Never part of an article's text, wherever they are.
    static let droppedElements: Set<String> = [
        "script", "style", "noscript", "nav", "aside", "form", "iframe", "svg", "button", "input", "select", "textarea",
        "template", "object", "embed", "canvas", "dialog", "menu", "link", "meta", "head", "title", "label", "fieldset",
        "footer", "frame", "frameset", "map", "area", "audio", "video", "source", "track", "param", "applet",
    ]
    /// Landmark roles of everything around an article.
    static let droppedRoles: Set<String> = [
        "navigation", "menu", "menubar", "complementary", "banner", "contentinfo", "dialog", "alertdialog", "search",
        "toolbar", "tablist",
    ]

    /// Class and id fragments of page furniture: dropped in the first, strict pass unless a
    /// hopeful fragment is there too.
    static let unlikelyFragments = [
        "-ad-", "ad-break", "agegate", "banner", "breadcrumb", "combx", "comment", "community", "cookie", "consent",
        "disqus", "extra", "footer", "gdpr", "header", "legends", "menu", "related", "remark", "replies", "rss",
        "shoutbox", "sidebar", "skyscraper", "social", "sponsor", "supplemental", "pagination", "pager", "popup",
        "modal", "newsletter", "signup", "subscribe", "promo", "outbrain", "taboola", "masthead", "navbar", "toolbar",
    ]
    static let hopefulFragments = ["and", "article", "body", "column", "content", "main", "mathjax", "shadow"]

    /// Class and id fragments that lower or raise a container's score.
    static let negativeFragments = [
        "-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "footer", "gdpr", "masthead", "media", "meta",
        "outbrain", "taboola", "promo", "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper", "sponsor",
        "shopping", "tags", "widget", "cookie", "newsletter", "byline", "caption-credit", "social", "nav",
    ]
    static let positiveFragments = ["article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text", "blog", "story"]
    static let classWeight = 25

    /// Whole words of class and id that mark an advert, so that "ad" matches `class="ad"` but not "header" or "read".
    static let adWords: Set<String> = ["ad", "ads", "advert", "advertisement", "adsense", "dfp", "sponsored", "adslot", "ad-slot"]
    /// Whole words of share bars, bylines and the like, dropped from inside an article when short.
    static let furnitureWords: Set<String> = [
        "share", "sharing", "social", "share-bar", "sharebar", "share-buttons", "byline", "author", "dateline", "tags",
        "tag-list", "newsletter", "related", "subscribe", "comments", "comment-count", "breadcrumbs", "breadcrumb",
        "sr-only", "visually-hidden", "screen-reader-text",
    ]

    /// Elements never read, in any pass.
    private(set) var dropped: [Bool]
    /// Elements read only when the strict pass found too little.
    private(set) var unlikely: [Bool]
    /// The class and id bonus or penalty, for candidate containers.
    private(set) var weight: [Int16]
    /// Short elements inside an article that are furniture (share bars, bylines, tag lists).
    private(set) var furniture: [Bool]

    private static let unlikely = FragmentMatcher(unlikelyFragments)
    private static let hopeful = FragmentMatcher(hopefulFragments)
    private static let negative = FragmentMatcher(negativeFragments)
    private static let positive = FragmentMatcher(positiveFragments)
    private static let advert = FragmentMatcher(Array(adWords), separators: " \t\n\r")
    /// "share-bar" is furniture in "post-share-bar" too, but "share" is not in "sharedaddy".
    private static let furnitureParts = FragmentMatcher(Array(furnitureWords), separators: " \t\n\r-_")
    private static let hiddenStyle = FragmentMatcher(["display:none", "visibility:hidden"])

    init(_ document: HTMLDocument) {
        let count = document.count
        dropped = Array(repeating: false, count: count)
        unlikely = Array(repeating: false, count: count)
        weight = Array(repeating: 0, count: count)
        furniture = Array(repeating: false, count: count)
        for index in 1..<count where !document.isText(index) {
            let name = document.name(index)
            var classes = ""
            var id = ""
            var isArticleBody = false
            var hidden = Self.droppedElements.contains(name)
            for (attribute, value) in document.nodes[index].attributes {
                switch attribute {
                case .class: classes = value
                case .id: id = value
                case .itemprop: isArticleBody = value == "articleBody"
                case .hidden: hidden = true
                case .ariaHidden: hidden = hidden || value == "true"
                case .role: hidden = hidden || Self.droppedRoles.contains(value.lowercased())
                case .style: hidden = hidden || Self.hiddenStyle.matches(value.filter { $0 != " " })
                default: break
                }
            }
            guard !classes.isEmpty || !id.isEmpty else {
                dropped[index] = hidden
                continue
            }
            // Class and id are matched one after the other rather than joined: no fragment holds a space.
            func either(_ matcher: FragmentMatcher) -> Bool { matcher.matches(classes) || matcher.matches(id) }
            dropped[index] = hidden || either(Self.advert)
            weight[index] = Int16((either(Self.negative) ? -Self.classWeight : 0) + (either(Self.positive) ? Self.classWeight : 0))
            unlikely[index] = !Self.neverUnlikely.contains(name) && !isArticleBody && either(Self.unlikely) && !either(Self.hopeful)
            furniture[index] = either(Self.furnitureParts)
        }
    }

    /// The page's own article markers, which no class name overrides.
    private static let neverUnlikely: Set<String> = ["html", "body", "article", "main"]
}

/// Whether any of a fixed list of ASCII fragments occurs in a text: fragments are bucketed by
/// their first byte, so one pass over the text tries only those that could start at each byte.
/// With separators, a fragment counts only as a whole part: bounded by a separator or an end.
/// This runs over every class and id of every page, so the fragments sit in one flat byte
/// array and the text is read in place, without copies or per-byte reference counting.
struct FragmentMatcher: Sendable {
    /// All fragments' bytes back to back, sorted by first byte.
    private let bytes: [UInt8]
    /// Where each fragment starts in `bytes`; one more entry marks the end of the last.
    private let offsets: [Int]
    /// For each first byte, the range of fragment numbers that start with it.
    private let firstFragment: [Int]
    private let isSeparator: [Bool]
    private let wholeParts: Bool

    init(_ fragments: [String], separators: String = "") {
        let sorted = fragments.filter { !$0.isEmpty }.map { Array($0.utf8) }.sorted { $0[0] < $1[0] }
        bytes = sorted.flatMap { $0 }
        offsets = sorted.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        // firstFragment[b]..<firstFragment[b + 1] are the fragments starting with byte b.
        firstFragment = (0...256).map { byte in sorted.firstIndex { Int($0[0]) >= byte } ?? sorted.count }
        isSeparator = (0..<256).map { separators.utf8.contains(UInt8($0)) }
        wholeParts = !separators.isEmpty
    }

    /// ASCII letters match either case; the fragments are lower case.
    func matches(_ text: String) -> Bool {
        if let found = text.utf8.withContiguousStorageIfAvailable({ matches(in: $0) }) { return found }
        var native = text
        return native.withUTF8 { matches(in: $0) }
    }

    private func matches(in text: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { fragmentBytes in
            offsets.withUnsafeBufferPointer { offsets in
                firstFragment.withUnsafeBufferPointer { firstFragment in
                    isSeparator.withUnsafeBufferPointer { isSeparator in
                        for start in 0..<text.count {
                            let first = Int(Self.lowered(text[start]))
                            let candidates = firstFragment[first]..<firstFragment[first + 1]
                            guard !candidates.isEmpty, !wholeParts || start == 0 || isSeparator[Int(text[start - 1])] else { continue }
                            for fragment in candidates {
                                let length = offsets[fragment + 1] - offsets[fragment]
                                guard length <= text.count - start else { continue }
                                let end = start + length
                                guard !wholeParts || end == text.count || isSeparator[Int(text[end])] else { continue }
                                var offset = 1
                                while offset < length && Self.lowered(text[start + offset]) == fragmentBytes[offsets[fragment] + offset] { offset += 1 }
                                if offset == length { return true }
                            }
                        }
                        return false
                    }
                }
            }
        }
    }

    private static func lowered(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
}
