/// What the sanitiser does with each element and attribute of outside HTML.
enum ElementPolicy {
    enum Treatment {
        /// Written out with its allowed attributes.
        case keep
        /// The tag goes, its children stay. This is the default: wrappers, unknown elements, forms
        /// around whole articles, and elements we remove but under which libxml2 files the content
        /// that follows when they are left open (`<embed>`, `<object>`, `<iframe>`, `<video>`…).
        case unwrap
        /// Gone with everything inside.
        case drop
    }

    /// Elements an article needs for text, structure, quotes, tables and pictures.
    static let kept: Set<String> = [
        "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
        "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt",
        "ruby", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
    ]

    /// Elements whose content is code, styling, document metadata, a form control's own data or
    /// foreign markup (SVG and MathML parse by other rules in a browser than in ours): none of it is
    /// article text, and a browser would not show it as such either.
    static let dropped: Set<String> = [
        "script", "style", "template", "title", "svg", "math", "canvas", "noscript", "noembed", "noframes",
        "frameset", "xmp", "plaintext", "textarea", "select", "option", "optgroup", "datalist", "output",
        "map", "dialog", "portal", "slot",
    ]

    /// Elements written without an end tag.
    static let void: Set<String> = ["br", "col", "hr", "img", "wbr"]

    static func treatment(of element: String) -> Treatment {
        if kept.contains(element) { return .keep }
        if dropped.contains(element) { return .drop }
        return .unwrap
    }

    /// How an allowed attribute's value is checked before it is written.
    enum Value {
        case text
        /// A non-negative whole number of at most a few digits.
        case number
        case url(URLPolicy.Use)
        case sourceSet
        case oneOf(Set<String>)
    }

    static let globalAttributes: [String: Value] = [
        "title": .text, "lang": .text, "dir": .oneOf(["ltr", "rtl", "auto"]),
    ]

    static let elementAttributes: [String: [String: Value]] = [
        "a": ["href": .url(.link)],
        "img": ["src": .url(.resource), "srcset": .sourceSet, "alt": .text, "width": .number, "height": .number],
        "blockquote": ["cite": .url(.link)],
        "q": ["cite": .url(.link)],
        "del": ["cite": .url(.link), "datetime": .text],
        "ins": ["cite": .url(.link), "datetime": .text],
        "time": ["datetime": .text],
        "td": ["colspan": .number, "rowspan": .number],
        "th": ["colspan": .number, "rowspan": .number, "scope": .oneOf(["row", "col", "rowgroup", "colgroup"])],
        "col": ["span": .number],
        "colgroup": ["span": .number],
        "ol": ["start": .number, "reversed": .text, "type": .oneOf(["1", "a", "A", "i", "I"])],
        "li": ["value": .number],
        "details": ["open": .text],
    ]

    static func valueRule(for attribute: String, of element: String) -> Value? {
        elementAttributes[element]?[attribute] ?? globalAttributes[attribute]
    }

    static let maximumNumberDigits = 6
}
