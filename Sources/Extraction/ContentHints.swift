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

    init(_ document: HTMLDocument) {
        let count = document.count
        dropped = Array(repeating: false, count: count)
        unlikely = Array(repeating: false, count: count)
        weight = Array(repeating: 0, count: count)
        furniture = Array(repeating: false, count: count)
        for index in 1..<count where !document.isText(index) {
            let name = document.name(index)
            dropped[index] = Self.isDropped(document, index, name: name)
            let hints = ((document.attribute("class", of: index) ?? "") + " " + (document.attribute("id", of: index) ?? "")).lowercased()
            guard hints.count > 1 else { continue }
            let words = Set(hints.split(whereSeparator: { $0.isWhitespace }).map(String.init))
            if !words.isDisjoint(with: Self.adWords) { dropped[index] = true }
            var score = 0
            if Self.negativeFragments.contains(where: hints.contains) { score -= Self.classWeight }
            if Self.positiveFragments.contains(where: hints.contains) { score += Self.classWeight }
            weight[index] = Int16(score)
            if name != "body", name != "html", name != "article", name != "main", document.attribute("itemprop", of: index) != "articleBody",
               Self.unlikelyFragments.contains(where: hints.contains), !Self.hopefulFragments.contains(where: hints.contains) {
                unlikely[index] = true
            }
            furniture[index] = !words.isDisjoint(with: Self.furnitureWords)
                || words.contains { word in Self.furnitureWords.contains { word.hasPrefix($0 + "-") || word.hasSuffix("-" + $0) } }
        }
    }

    private static func isDropped(_ document: HTMLDocument, _ index: Int, name: String) -> Bool {
        if droppedElements.contains(name) { return true }
        if document.attribute("hidden", of: index) != nil || document.attribute("aria-hidden", of: index) == "true" { return true }
        if let role = document.attribute("role", of: index)?.lowercased(), droppedRoles.contains(role) { return true }
        if let style = document.attribute("style", of: index)?.lowercased().filter({ !$0.isWhitespace }),
           style.contains("display:none") || style.contains("visibility:hidden") {
            return true
        }
        return false
    }
}
