import Foundation
import KawarabanCore

/// What the site needs to know about itself.
public struct SiteConfiguration: Sendable {
    public static let defaultSiteName = "Kawaraban AIニュース"
    public static let defaultTagline = "世界のAIニュースを、毎時、日本語で。"
    /// The sitemaps protocol's limit on the addresses of one file.
    public static let maximumSitemapURLsPerFile = 50_000

    public var siteName: String
    public var tagline: String
    /// The address readers reach the site at, for share links and canonical URLs.
    public var publicURL: URL
    public var edition: Edition
    /// The Markdown of each page the operator wrote; a page without one does not exist.
    public var infoPages: [InfoPage: String]
    /// Addresses in one site map file before it becomes an index of parts.
    public var sitemapURLsPerFile: Int
    /// The database holds synthetic articles (`kawaraban demo`): every page and feed says so.
    public var syntheticData: Bool

    public init(siteName: String = SiteConfiguration.defaultSiteName,
                tagline: String = SiteConfiguration.defaultTagline,
                publicURL: URL, edition: Edition = .japanese, infoPages: [InfoPage: String] = [:],
                sitemapURLsPerFile: Int = SiteConfiguration.maximumSitemapURLsPerFile, syntheticData: Bool = false) {
        self.siteName = siteName
        self.tagline = tagline
        self.publicURL = publicURL
        self.edition = edition
        self.infoPages = infoPages
        self.sitemapURLsPerFile = sitemapURLsPerFile
        self.syntheticData = syntheticData
    }

    /// A title as feeds carry it: marked when the articles are synthetic.
    public func feedTitle(_ title: String) -> String {
        syntheticData ? "[デモ] \(title)" : title
    }
}
