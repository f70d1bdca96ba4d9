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
    /// The database holds synthetic articles (`kawaraban demo`): every page and feed says so.
    public var syntheticData: Bool

    public init(siteName: String = SiteConfiguration.defaultSiteName,
                tagline: String = SiteConfiguration.defaultTagline,
                publicURL: URL, edition: Edition = .japanese, syntheticData: Bool = false) {
        self.siteName = siteName
        self.tagline = tagline
        self.publicURL = publicURL
        self.edition = edition
        self.syntheticData = syntheticData
    }

    /// A title as feeds carry it: marked when the articles are synthetic.
    public func feedTitle(_ title: String) -> String {
        syntheticData ? "[デモ] \(title)" : title
    }
}
