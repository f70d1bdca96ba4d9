import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Feeds

/// Runs Python feedparser's own conformance cases (shared/corpus/feedparser, format in its README)
/// through our parser. Every check names a feedparser path; `Mapping.field` says which field of
/// ours answers it, and `Mapping.notApplicable` lists, with the reason, every feedparser field our
/// model does not carry. A path in neither fails the test, so nothing is skipped unseen.
@Suite struct ConformanceTests {
    static let corpus = SharedCorpus.locate("feedparser", marker: "expectations.jsonl")
    /// feedparser's test server serves every case from here; "/relative/uri" resolves against it.
    static let documentRoot = "http://127.0.0.1:8097/tests/"
    static let floor = 0.97

    @Test(.enabled(if: corpus != nil, "the feedparser corpus is not beside the repository"), arguments: [
        "wellformed/rss/", "wellformed/rdf/", "wellformed/atom/", "wellformed/atom10/", "wellformed/amp/",
        "wellformed/base/", "entities/", "encoding/", "wellformed/lang/",
    ])
    func category(prefix: String) throws {
        let score = try Self.score(prefix: prefix, corpus: try #require(Self.corpus))
        print("\(prefix) applicable \(score.applicable) passed \(score.passed) (\(score.percent)%); declined cases \(score.declined.count)")
        for failure in score.failures { print("  FAIL \(failure)") }
        for declined in score.declined { print("  declined \(declined)") }
        #expect(score.unmapped.isEmpty, "feedparser paths neither mapped nor listed as not applicable: \(score.unmapped)")
        #expect(score.applicable > 0)
        #expect(Double(score.passed) >= Self.floor * Double(score.applicable))
    }

    struct Score {
        var passed = 0
        var applicable = 0
        var failures: [String] = []
        var declined: [String] = []
        var unmapped: Set<String> = []
        var percent: String { String(format: "%.1f", applicable == 0 ? 0 : 100 * Double(passed) / Double(applicable)) }
    }

    static func score(prefix: String, corpus: URL) throws -> Score {
        var score = Score()
        let lines = try String(contentsOf: corpus.appendingPathComponent("expectations.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        for line in lines {
            guard let expectation = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let file = expectation["file"] as? String, file.hasPrefix(prefix),
                  let checks = expectation["checks"] as? [[String: Any]], !checks.isEmpty
            else { continue }
            let headers = HTTPHeaders(expectation["headers"] as? [String] ?? [])
            let data = try Data(contentsOf: corpus.appendingPathComponent("cases").appendingPathComponent(file))
            if let reason = declinedReason(headers: headers, checks: checks, document: data) {
                score.declined.append("\(file): \(reason)")
                continue
            }
            // feedparser's harness fetches only the http_* cases over HTTP; the rest are read as files, without a URL.
            let documentURL = file.split(separator: "/").last!.hasPrefix("http") ? URL(string: documentRoot + file) : nil
            let baseURL = headers["content-location"].flatMap { URL(string: $0, relativeTo: documentURL) } ?? documentURL
            let feed = try? FeedParser.parse(data, baseURL: baseURL, contentType: headers["content-type"],
                                             contentLanguage: headers["content-language"])
            for check in checks {
                let path = check["path"] as? [Any] ?? []
                switch Mapping.field(path) {
                case .notApplicable:
                    continue
                case .unmapped(let shape):
                    score.unmapped.insert(shape)
                case .mapped(let field):
                    score.applicable += 1
                    let expected = Value(json: check["equals"])
                    let actual = feed.map(field) ?? .null
                    if actual == expected {
                        score.passed += 1
                    } else {
                        score.failures.append("\(file) \(Mapping.shape(path)): expected \(expected), got \(actual)")
                    }
                }
            }
        }
        return score
    }

    /// Cases whose expectation we disagree with on purpose, each with the reason.
    static func declinedReason(headers: HTTPHeaders, checks: [[String: Any]], document: Data) -> String? {
        // RFC 3023 said text/*+xml without a charset parameter is US-ASCII whatever the document
        // declares. No browser or feed reader ever followed it (RFC 7303 withdrew it); the
        // document's own declaration decides, as it does for us.
        if let type = headers["content-type"], type.lowercased().hasPrefix("text/"), TextDecoding.charset(inHeader: type) == nil,
           checks.contains(where: { ($0["path"] as? [String]) == ["encoding"] && $0["equals"] as? String == "us-ascii" }) {
            return "RFC 3023's us-ascii default for a text/* type without a charset"
        }
        // Entities a document declares for itself are never expanded (MarkupPrescan): expanding
        // them is how a 339 KB feed becomes a gigabyte of text.
        if String(decoding: document, as: UTF8.self).contains(/<!ENTITY\s+[^%\s]/), !checks.isEmpty {
            return "an entity the document declares for itself, which we never expand"
        }
        return nil
    }

    struct HTTPHeaders {
        var values: [String: String] = [:]

        init(_ lines: [String]) {
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                values[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] =
                    line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }

        subscript(name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }
    }
}

/// A value as feedparser's expectations write it: strings, numbers, lists (time tuples), dicts, None.
indirect enum Value: Equatable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case list([Value])
    case dictionary([String: Value])
    case null

    init(json: Any?) {
        switch json {
        case let text as String: self = .string(text)
        case let number as NSNumber: self = .number(number.doubleValue)
        case let list as [Any]: self = .list(list.map { Value(json: $0) })
        case let dictionary as [String: Any]: self = .dictionary(dictionary.mapValues { Value(json: $0) })
        default: self = .null
        }
    }

    static func text(_ value: String?) -> Value { value.map(Value.string) ?? .null }

    /// feedparser writes lengths as strings.
    static func length(_ value: Int?) -> Value { value.map { .string(String($0)) } ?? .null }

    /// A UTC time tuple: year, month, day, hour, minute, second, weekday (Monday 0), day of year, isdst 0.
    static func time(_ date: Date?) -> Value {
        guard let date else { return .null }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 0
        let weekday = ((parts.weekday ?? 1) + 5) % 7
        return .list([parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!, weekday, dayOfYear, 0]
            .map { .number(Double($0)) })
    }

    var description: String {
        switch self {
        case .string(let text): return text.debugDescription
        case .number(let number): return String(number)
        case .list(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(let values): return "{" + values.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .null: return "None"
        }
    }
}

enum Mapping {
    enum Field {
        case mapped((ParsedFeed) -> Value)
        case notApplicable
        case unmapped(String)
    }

    /// feedparser fields our model does not carry, and why. Keys are feedparser names; a name
    /// covers its `_detail`, `_parsed` and sub-fields.
    static let notApplicable: [String: String] = [
        "version": "feedparser's own version codes (rss091u, atom03…); we keep the family in `format`",
        "author": "feedparser joins name and email in one string; ours is the display name, and the parts are compared through author_detail",
        "info": "Atom 0.3's human-readable note about the feed format, not content",
        "generator": "the software that wrote the feed",
        "docs": "the RSS spec's URL",
        "cloud": "RSS cloud pings",
        "ttl": "a caching hint; our schedule comes from HTTP and the source's interval",
        "textinput": "RSS text input boxes",
        "publisher": "webMaster and dc:publisher, who runs the feed rather than who wrote the entry",
        "contributors": "contributors besides the authors",
        "created": "dcterms:created and Atom 0.3 created, beside published",
        "validity_start": "dcterms:valid ranges",
        "validity_end": "dcterms:valid ranges",
        "expired": "RSS expirationDate",
        "license": "Creative Commons license links",
        "wfw_comment": "the endpoint for posting a comment",
        "wfw_commentrss": "a comment feed's URL",
        "source": "Atom source elements, the metadata of the feed an entry was copied from",
        "published": "the date as written; we keep the parsed date (published_parsed)",
        "updated": "the date as written; we keep the parsed date (updated_parsed)",
        "scheme": "a category's scheme",
        "label": "a category's label",
        "src": "out-of-line Atom content (content src); we do not fetch it",
        "image.title": "an RSS image's title, link, size and description; we keep its URL",
        "rights.entry": "per-entry rights",
        "copyright.entry": "per-entry rights",
        "language.entry": "an entry's own language field; the language of each text is in its detail",
    ]

    static func shape(_ path: [Any]) -> String {
        path.map { ($0 as? String) ?? "#" }.joined(separator: ".")
    }

    static func field(_ path: [Any]) -> Field {
        let names = path.compactMap { $0 as? String }
        let indices = path.compactMap { $0 as? Int }
        let shape = shape(path)
        if let mapped = mapped(shape: shape, indices: indices) { return .mapped(mapped) }
        if isNotApplicable(names, isEntry: names.first == "entries") { return .notApplicable }
        return .unmapped(shape)
    }

    private static func isNotApplicable(_ names: [String], isEntry: Bool) -> Bool {
        for name in names where name != "feed" && name != "entries" {
            let base = name.replacingOccurrences(of: "_detail", with: "").replacingOccurrences(of: "_parsed", with: "")
            if notApplicable[base] != nil || isEntry && notApplicable[base + ".entry"] != nil { return true }
        }
        return names.count >= 3 && names[0] == "feed" && names[1] == "image" && names[2] != "url"
    }

    private static func mapped(shape: String, indices: [Int]) -> ((ParsedFeed) -> Value)? {
        let parts = shape.split(separator: ".").map(String.init)
        if shape == "encoding" { return { .string($0.charset) } }
        if parts.first == "feed" { return feedField(Array(parts.dropFirst()), indices: indices) }
        guard parts.first == "entries", parts.count >= 3, let entryIndex = indices.first,
              let field = itemField(Array(parts.dropFirst(2)), indices: Array(indices.dropFirst()))
        else { return nil }
        return { feed in entryIndex < feed.items.count ? field(feed.items[entryIndex]) : .null }
    }

    private static func feedField(_ parts: [String], indices: [Int]) -> ((ParsedFeed) -> Value)? {
        switch parts {
        case ["title"]: return { .text($0.titleDetail?.value) }
        case ["subtitle"], ["tagline"], ["description"]: return { .text($0.subtitle?.value) }
        case ["rights"], ["copyright"]: return { .text($0.rights?.value) }
        case ["id"], ["guid"]: return { .text($0.id) }
        case ["link"]: return { .text($0.link) }
        case ["language"]: return { .text($0.language) }
        case ["updated_parsed"]: return { .time($0.updated) }
        case ["published_parsed"]: return { .time($0.published) }
        case ["category"]: return { .text($0.categories.first) }
        case ["image", "url"], ["logo"]: return { .text($0.imageURL) }
        case ["icon"]: return { .text($0.iconURL) }
        default: break
        }
        if parts.count == 2, let field = construct(parts[1]) {
            switch parts[0] {
            case "title_detail": return { field($0.titleDetail) }
            case "subtitle_detail", "tagline_detail": return { field($0.subtitle) }
            case "rights_detail", "copyright_detail": return { field($0.rights) }
            default: break
            }
        }
        return listField(parts, indices: indices, links: \.links, authors: \.authors, categories: \.categories, enclosures: nil)
    }

    private static func itemField(_ parts: [String], indices: [Int]) -> ((ParsedItem) -> Value)? {
        switch parts {
        case ["title"]: return { .text($0.titleDetail?.value) }
        // feedparser gives an RSS description under both names.
        case ["summary"], ["description"]: return { .text($0.summaryDetail?.value) }
        case ["link"]: return { .text($0.link) }
        case ["id"], ["guid"]: return { .text($0.id) }
        case ["comments"]: return { .text($0.commentsURL) }
        case ["category"]: return { .text($0.categories.first) }
        case ["published_parsed"]: return { .time($0.published) }
        case ["updated_parsed"]: return { .time($0.updated) }
        default: break
        }
        if parts.count == 2, let field = construct(parts[1]) {
            switch parts[0] {
            case "title_detail": return { field($0.titleDetail) }
            case "summary_detail": return { field($0.summaryDetail) }
            default: break
            }
        }
        // We keep one content; feedparser's content[0] is it.
        if parts.count == 3, parts[0] == "content", indices.first == 0, let field = construct(parts[2]) {
            return { field($0.content) }
        }
        return listField(parts, indices: indices, links: \.links, authors: \.authors, categories: \.categories,
                         enclosures: \.enclosures)
    }

    private static func construct(_ name: String) -> ((TextConstruct?) -> Value)? {
        switch name {
        case "value": return { .text($0?.value) }
        case "type": return { .text($0?.type) }
        case "language": return { .text($0?.language) }
        case "base": return { .text($0?.base) }
        default: return nil
        }
    }

    /// links, authors (author_detail is the first), tags and enclosures, shared by feed and entry.
    private static func listField<Owner>(_ parts: [String], indices: [Int], links: KeyPath<Owner, [FeedLink]>,
                                         authors: KeyPath<Owner, [FeedPerson]>, categories: KeyPath<Owner, [String]>,
                                         enclosures: KeyPath<Owner, [Enclosure]>?) -> ((Owner) -> Value)? {
        let index = indices.first ?? 0
        func element<T>(_ list: KeyPath<Owner, [T]>, _ value: @escaping (T) -> Value) -> (Owner) -> Value {
            { owner in index < owner[keyPath: list].count ? value(owner[keyPath: list][index]) : .null }
        }
        switch (parts.first ?? "", parts.count) {
        case ("author_detail", 2), ("authors", 3):
            guard let field = person(parts.last!) else { return nil }
            return element(authors, field)
        case ("links", 2): return element(links, linkDictionary)
        case ("links", 3):
            guard let field = link(parts[2]) else { return nil }
            return element(links, field)
        case ("tags", 3) where parts[2] == "term": return element(categories) { .string($0) }
        case ("enclosures", 2):
            guard let enclosures else { return nil }
            return element(enclosures) { enclosure in
                linkDictionary(FeedLink(href: enclosure.url, rel: FeedLink.enclosure, type: enclosure.type, length: enclosure.length))
                    .removing("rel")
            }
        case ("enclosures", 3):
            guard let enclosures else { return nil }
            switch parts[2] {
            case "href", "url": return element(enclosures) { .string($0.url) }
            case "type": return element(enclosures) { .text($0.type) }
            case "length": return element(enclosures) { .length($0.length) }
            default: return nil
            }
        default: return nil
        }
    }

    private static func person(_ name: String) -> ((FeedPerson) -> Value)? {
        switch name {
        case "name": return { .text($0.name) }
        case "email": return { .text($0.email) }
        case "url", "href", "uri": return { .text($0.uri) }
        default: return nil
        }
    }

    private static func link(_ name: String) -> ((FeedLink) -> Value)? {
        switch name {
        case "href": return { .string($0.href) }
        case "rel": return { .string($0.rel) }
        case "type": return { .text($0.type) }
        case "title": return { .text($0.title) }
        case "hreflang": return { .text($0.hreflang) }
        case "length": return { .length($0.length) }
        default: return nil
        }
    }

    private static func linkDictionary(_ link: FeedLink) -> Value {
        var values: [String: Value] = ["href": .string(link.href), "rel": .string(link.rel)]
        if let type = link.type { values["type"] = .string(type) }
        if let title = link.title { values["title"] = .string(title) }
        if let hreflang = link.hreflang { values["hreflang"] = .string(hreflang) }
        if let length = link.length { values["length"] = .string(String(length)) }
        return .dictionary(values)
    }
}

extension Value {
    func removing(_ key: String) -> Value {
        guard case .dictionary(var values) = self else { return self }
        values[key] = nil
        return .dictionary(values)
    }
}
