import Foundation
import KawarabanCore

/// Which URLs may appear on our pages: the one rule for links and images, whether they come
/// from a feed's HTML or from an extracted article.
public enum URLPolicy {
    /// What the URL is for: a link may also open a mail client, an embedded resource may not.
    public enum Use: Sendable {
        case link
        case resource

        var schemes: Set<String> {
            switch self {
            case .link: return ["http", "https", "mailto"]
            case .resource: return ["http", "https"]
            }
        }
    }

    /// Longer URLs are not links a reader follows but payloads.
    public static let maximumLength = 4096

    /// The URL made absolute against `base`, without tracking parameters, when its scheme is
    /// allowed for `use`; nil otherwise (including a relative URL with no base).
    public static func safeURL(_ candidate: String, base: URL?, for use: Use = .link) -> String? {
        let cleaned = strippedAsBrowsersDo(candidate)
        guard !cleaned.isEmpty, cleaned.utf8.count <= maximumLength,
              let url = URL(string: cleaned, relativeTo: base)?.absoluteURL,
              let scheme = url.scheme?.lowercased(), use.schemes.contains(scheme)
        else { return nil }
        let result: String
        if scheme == "mailto" {
            result = url.absoluteString
        } else {
            guard let host = url.host, !host.isEmpty,
                  let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
            else { return nil }
            result = withoutTracking(components).string ?? url.absoluteString
        }
        // The string written on the page is what a browser will read, so its own first characters,
        // not our parse of it, decide the scheme.
        let lowered = result.lowercased()
        guard use.schemes.contains(where: { lowered.hasPrefix("\($0):") }),
              !result.unicodeScalars.contains(where: { $0.value <= 0x20 })
        else { return nil }
        return result
    }

    /// Browsers ignore tabs and line breaks anywhere in a URL and control characters and spaces at
    /// its ends, which is how `java&#9;script:` gets past naive checks; we read it the way they do.
    static func strippedAsBrowsersDo(_ candidate: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in candidate.unicodeScalars where scalar != "\t" && scalar != "\n" && scalar != "\r" {
            scalars.append(scalar)
        }
        let isEdgeJunk: (Unicode.Scalar) -> Bool = { $0.value <= 0x20 }
        let trimmed = scalars.drop(while: isEdgeJunk).reversed().drop(while: isEdgeJunk).reversed()
        return String(String.UnicodeScalarView(trimmed))
    }

    private static func withoutTracking(_ components: URLComponents) -> URLComponents {
        guard let items = components.queryItems, items.contains(where: { CanonicalURL.isTracking($0.name) }) else {
            return components
        }
        var cleaned = components
        cleaned.queryItems = CanonicalURL.withoutTracking(items)
        return cleaned
    }
}
