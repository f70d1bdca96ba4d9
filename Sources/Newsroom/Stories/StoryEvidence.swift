import Foundation

/// What the matcher knows of one published article: its own words and the analysis's entities.
/// Everything in it came from the internet; the matcher reads a bounded start of it.
public struct StoryEvidence: Sendable, Hashable, Codable {
    /// The original-language title.
    public var title: String
    /// The article's original text as plain text; the matcher reads only its start.
    public var text: String
    /// Entity names as the analysis gave them (original spelling), main ones first.
    public var entities: [String]
    /// The subset of `entities` the article is mainly about.
    public var mainEntities: [String]
    /// When the article appeared on the site (items.shown_at).
    public var publishedAt: Date

    public init(title: String, text: String, entities: [String], mainEntities: [String], publishedAt: Date) {
        self.title = title
        self.text = text
        self.entities = entities
        self.mainEntities = mainEntities
        self.publishedAt = publishedAt
    }
}

/// How a later article relates to an earlier one.
public enum StoryRelation: String, Sendable, Hashable, Codable, CaseIterable {
    /// The same event reported again, usually by another outlet in other words.
    case sameStory = "same-story"
    /// A later development of the same story: a new event sharing its main actors.
    case followUp = "follow-up"
    /// Anything else, including the same company in another event.
    case unrelated
}

/// Two articles to relate, the earlier first.
public struct StoryPair: Sendable, Hashable {
    public var earlier: StoryEvidence
    public var later: StoryEvidence

    public init(earlier: StoryEvidence, later: StoryEvidence) {
        self.earlier = earlier
        self.later = later
    }
}

/// The matcher's answer: a relation it is sure of, or a pair it leaves to the judge.
public enum StoryVerdict: Sendable, Hashable {
    case decided(StoryRelation)
    case closeCall(StoryPair)
}
