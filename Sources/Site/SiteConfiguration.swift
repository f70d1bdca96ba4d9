import Foundation
import KawarabanCore

/// What the site needs to know about itself.
public struct SiteConfiguration: Sendable {
    public static let defaultSiteName = "Kawaraban AIニュース"
    public static let defaultTagline = "世界のAIニュースを、毎時、日本語で。"

    public var siteName: String
    public var tagline: String
    /// The address readers reach the site at, for share links and canonical URLs.
    public var publicURL: URL
    public var edition: Edition

    public init(siteName: String = SiteConfiguration.defaultSiteName,
                tagline: String = SiteConfiguration.defaultTagline,
                publicURL: URL, edition: Edition = .japanese) {
        self.siteName = siteName
        self.tagline = tagline
        self.publicURL = publicURL
        self.edition = edition
    }
}
