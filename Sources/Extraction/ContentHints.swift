import Foundation

/// What an element's name, class and id say about whether it holds the article.
enum ContentHints {
    /// Never part of an article's text.
    static let droppedElements: Set<String> = [
        "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "math",
        "button", "input", "select", "textarea", "template", "object", "embed", "canvas", "dialog", "menu",
        "link", "meta", "head",
    ]

    static let negativeWords = [
        "comment", "share", "sharing", "social", "related", "recommend", "sidebar", "footer", "masthead", "menu",
        "navigation", "navbar", "breadcrumb", "cookie", "consent", "gdpr", "newsletter", "subscribe", "signup",
        "sign-up", "promo", "advert", "sponsor", "banner", "popup", "modal", "paywall", "pagination", "toolbar",
        "byline", "author-bio", "tags", "widget", "outbrain", "taboola", "print", "login", "skip",
    ]
    /// Whole words of class and id that no positive word redeems: "related-articles" and
    /// "comment-body" are still not the article (but "shared-history" may be).
    static let decisiveNegativeWords: Set<String> = [
        "related", "comment", "comments", "share", "sharing", "social", "cookie", "cookies", "consent", "newsletter",
        "outbrain", "taboola",
    ]
    static let positiveWords = ["article", "content", "entry", "post", "main", "body", "story", "text", "blog", "news"]

    /// Whole words of class and id, so that "ad" matches `class="ad"` but not "header" or "read".
    static let adWords: Set<String> = ["ad", "ads", "advertisement", "adsense", "dfp"]

    static func isBoilerplate(_ node: HTMLNode) -> Bool {
        if droppedElements.contains(node.name) { return true }
        if node.attribute("hidden") != nil || node.attribute("aria-hidden") == "true" { return true }
        if let style = node.attribute("style")?.lowercased().replacingOccurrences(of: " ", with: ""),
           style.contains("display:none") || style.contains("visibility:hidden") {
            return true
        }
        let hints = node.classAndID
        guard !hints.trimmingCharacters(in: .whitespaces).isEmpty else { return false }
        // The article's own container often carries both kinds of word ("post-content entry-tags").
        if ["article", "main", "body"].contains(node.name) { return false }
        let words = Set(hints.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
        if !words.isDisjoint(with: adWords) || !words.isDisjoint(with: decisiveNegativeWords) { return true }
        let negative = negativeWords.contains { hints.contains($0) }
        let positive = positiveWords.contains { hints.contains($0) }
        return negative && !positive
    }

    /// A bonus or penalty for candidate containers.
    static func weight(_ node: HTMLNode) -> Double {
        let hints = node.classAndID
        var weight = 0.0
        if positiveWords.contains(where: { hints.contains($0) }) { weight += 25 }
        if negativeWords.contains(where: { hints.contains($0) }) { weight -= 25 }
        if node.name == "article" || node.attribute("itemprop") == "articleBody" { weight += 30 }
        if node.name == "main" { weight += 15 }
        return weight
    }
}
