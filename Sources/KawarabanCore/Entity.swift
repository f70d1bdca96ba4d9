import Foundation

/// What an entity an article names is.
public enum EntityKind: String, Sendable, Hashable, Codable, CaseIterable {
    case company, organisation, product, model, person, tool

    /// Every kind, for messages and help: "company, organisation, …".
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// A company, organisation, product, model, person or tool an article is about, as the analysis
/// names it: the original spelling, its rendering in the edition's language, and whether the
/// article is mainly about it.
public struct Entity: Sendable, Hashable, Codable {
    public var name: String
    public var kind: EntityKind
    public var rendering: String
    public var main: Bool

    public init(name: String, kind: EntityKind, rendering: String, main: Bool) {
        self.name = name
        self.kind = kind
        self.rendering = rendering
        self.main = main
    }
}

/// The form of a name that lookups compare: compatibility-normalised (full-width letters become
/// ASCII), lowercased, white space collapsed. "ＯｐｅｎＡＩ", "openai" and "OpenAI " are one name.
public enum NameKey {
    public static func of(_ name: String) -> String {
        name.precomposedStringWithCompatibilityMapping.lowercased()
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

/// One name of the site-wide glossary: the original spelling and the one rendering every page
/// uses for it, with the renderings it had before (what `glossary apply` replaces).
public struct GlossaryEntry: Sendable, Hashable, Codable {
    /// Who wrote the entry. An operator's entry is never overwritten by the seed or by entities.
    public enum Origin: String, Sendable, Hashable, Codable, CaseIterable {
        case seed, entity, `operator`
    }

    public var original: String
    public var rendering: String
    public var kind: EntityKind?
    public var origin: Origin
    public var previousRenderings: [String]
    public var updatedAt: Date

    public init(original: String, rendering: String, kind: EntityKind?, origin: Origin,
                previousRenderings: [String] = [], updatedAt: Date = Date(timeIntervalSince1970: 0)) {
        self.original = original
        self.rendering = rendering
        self.kind = kind
        self.origin = origin
        self.previousRenderings = previousRenderings
        self.updatedAt = updatedAt
    }

    public var key: String { NameKey.of(original) }
}
