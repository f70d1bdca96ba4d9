import Foundation

/// A feed entry's HTML fields as we keep them. The collector stores exactly this and the feed
/// sanitising conformance test checks exactly this, so what is stored and what is tested cannot
/// drift apart.
public struct StorableEntryHTML: Sendable, Equatable {
    public let summary: String?
    public let contentHTML: String?

    /// Relative URLs in the entry resolve against the entry's own link.
    public init(summary: String?, contentHTML: String?, entryURL: URL?) {
        self.summary = Self.storable(summary, base: entryURL)
        self.contentHTML = Self.storable(contentHTML, base: entryURL)
    }

    /// nil when nothing a reader could see survives.
    private static func storable(_ html: String?, base: URL?) -> String? {
        guard let html else { return nil }
        let safe = HTMLSanitizer.sanitize(html, base: base)
        return safe.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : safe
    }
}
