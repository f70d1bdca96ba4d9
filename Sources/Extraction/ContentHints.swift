import Foundation

/// What an element's name, attributes, class and id say about whether it holds the article.
/// Computed once per document, for every element.
struct ContentHints {
    /// Never part of an article's text, wherever they are. A form's controls are here, not the
    /// form: ASP.NET WebForms pages wrap the whole body, article included, in one `<form>`.
    static let droppedElements: Set<String> = [
        "script", "style", "noscript", "nav", "aside", "iframe", "svg", "button", "input", "select", "textarea",
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

    /// The lists of class and id fragments, all looked for in one pass; `Marks` numbers them.
    private static let marks = FragmentMatcher(lists: [
        .init(fragments: unlikelyFragments), .init(fragments: hopefulFragments), .init(fragments: negativeFragments),
        .init(fragments: positiveFragments), .init(fragments: Array(adWords), separators: " \t\n\r"),
        // "share-bar" is furniture in "post-share-bar" too, but "share" is not in "sharedaddy".
        .init(fragments: Array(furnitureWords), separators: " \t\n\r-_"),
    ])
    private enum Marks: UInt32 {
        case unlikely, hopeful, negative, positive, advert, furnitureParts
    }
    private static let hiddenStyle = FragmentMatcher(["display:none", "visibility:hidden"])

    init(_ document: HTMLDocument) {
        let count = document.count
        dropped = Array(repeating: false, count: count)
        unlikely = Array(repeating: false, count: count)
        weight = Array(repeating: 0, count: count)
        furniture = Array(repeating: false, count: count)
        let isDroppedTag = document.tags(in: Self.droppedElements)
        let isNeverUnlikelyTag = document.tags(in: Self.neverUnlikely)
        for index in 1..<count where !document.isText(index) {
            let tag = Int(document.nodes[index].tag)
            var classes = ""
            var id = ""
            var isArticleBody = false
            var hidden = isDroppedTag[tag]
            for (attribute, value) in document.attributes(of: index) {
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
            let found = Self.marks.listsMatched(classes) | Self.marks.listsMatched(id)
            func either(_ list: Marks) -> Bool { found & (1 << list.rawValue) != 0 }
            dropped[index] = hidden || either(.advert)
            weight[index] = Int16((either(.negative) ? -Self.classWeight : 0) + (either(.positive) ? Self.classWeight : 0))
            unlikely[index] = !isNeverUnlikelyTag[tag] && !isArticleBody && either(.unlikely) && !either(.hopeful)
            furniture[index] = either(.furnitureParts)
        }
    }

    /// The page's own article markers, which no class name overrides.
    private static let neverUnlikely: Set<String> = ["html", "body", "article", "main"]
}

/// Which of several fixed lists of ASCII fragments occur in a text, found in one pass over it:
/// this runs over every class and id of every page. Fragments sit in one flat byte array, are
/// bucketed by their first byte, and a table of the first two bytes skips most positions
/// without looking at any fragment. In a list with separators, a fragment counts only as a
/// whole part: bounded by a separator or an end. ASCII letters match either case; the
/// fragments are lower case.
struct FragmentMatcher: Sendable {
    /// A list of fragments and the separators that bound its parts ("" for anywhere).
    struct List: Sendable {
        var fragments: [String]
        var separators = ""
    }

    /// All fragments' bytes back to back, sorted by first byte.
    private let bytes: [UInt8]
    /// Where each fragment starts in `bytes`; one more entry marks the end of the last.
    private let offsets: [Int]
    /// The list each fragment comes from.
    private let listOfFragment: [Int]
    /// `firstFragment[b]..<firstFragment[b + 1]` are the fragments that start with byte b.
    private let firstFragment: [Int]
    /// Whether some fragment starts with the two bytes `first * 256 + second`; a fragment of
    /// one byte marks every second byte, 0 standing for the end of the text.
    private let startsFragment: [Bool]
    /// `isSeparator[list * 256 + byte]`.
    private let isSeparator: [Bool]
    private let wholeParts: [Bool]
    private let allLists: UInt32

    init(_ fragments: [String], separators: String = "") {
        self.init(lists: [List(fragments: fragments, separators: separators)])
    }

    init(lists: [List]) {
        precondition(lists.count <= 32, "a match is reported as 32 bits")
        let sorted = lists.enumerated()
            .flatMap { list in list.element.fragments.filter { !$0.isEmpty }.map { (bytes: Array($0.utf8), list: list.offset) } }
            .sorted { $0.bytes[0] < $1.bytes[0] }
        bytes = sorted.flatMap(\.bytes)
        offsets = sorted.reduce(into: [0]) { $0.append($0.last! + $1.bytes.count) }
        listOfFragment = sorted.map(\.list)
        firstFragment = (0...256).map { byte in sorted.firstIndex { Int($0.bytes[0]) >= byte } ?? sorted.count }
        var startsFragment = Array(repeating: false, count: 256 * 256)
        for (fragment, _) in sorted {
            let seconds = fragment.count > 1 ? [Int(fragment[1])] : Array(0..<256)
            for second in seconds { startsFragment[Int(fragment[0]) * 256 + second] = true }
        }
        self.startsFragment = startsFragment
        isSeparator = lists.flatMap { list in (0..<256).map { list.separators.utf8.contains(UInt8($0)) } }
        wholeParts = lists.map { !$0.separators.isEmpty }
        allLists = lists.count == 32 ? .max : (1 << UInt32(lists.count)) - 1
    }

    /// Whether a fragment of any list occurs in `text`.
    func matches(_ text: String) -> Bool { listsMatched(text) != 0 }

    /// Bit n is set when a fragment of list n occurs in `text`.
    func listsMatched(_ text: String) -> UInt32 {
        if let found = text.utf8.withContiguousStorageIfAvailable({ listsMatched(in: $0) }) { return found }
        var native = text
        return native.withUTF8 { listsMatched(in: $0) }
    }

    private func listsMatched(in text: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var found: UInt32 = 0
        bytes.withUnsafeBufferPointer { fragmentBytes in
            offsets.withUnsafeBufferPointer { offsets in
                firstFragment.withUnsafeBufferPointer { firstFragment in
                    startsFragment.withUnsafeBufferPointer { startsFragment in
                        isSeparator.withUnsafeBufferPointer { isSeparator in
                            for start in 0..<text.count {
                                let first = Int(Self.lowered(text[start]))
                                let second = start + 1 < text.count ? Int(Self.lowered(text[start + 1])) : 0
                                guard startsFragment[first * 256 + second] else { continue }
                                for fragment in firstFragment[first]..<firstFragment[first + 1] {
                                    let list = listOfFragment[fragment]
                                    let bit: UInt32 = 1 << UInt32(list)
                                    guard found & bit == 0 else { continue }
                                    let length = offsets[fragment + 1] - offsets[fragment]
                                    guard length <= text.count - start else { continue }
                                    let end = start + length
                                    if wholeParts[list] {
                                        guard start == 0 || isSeparator[list * 256 + Int(text[start - 1])],
                                              end == text.count || isSeparator[list * 256 + Int(text[end])]
                                        else { continue }
                                    }
                                    var offset = 1
                                    while offset < length && Self.lowered(text[start + offset]) == fragmentBytes[offsets[fragment] + offset] {
                                        offset += 1
                                    }
                                    if offset == length {
                                        found |= bit
                                        if found == allLists { return }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return found
    }

    private static func lowered(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
}
