import Foundation

/// The only frames a page of ours shows: videos from players we know, in their privacy-friendly
/// form, and sandboxed so that they cannot reach our page.
enum Embeds {
    static let sandbox = "allow-scripts allow-same-origin allow-presentation"

    private static let youTubeHosts: Set<String> = [
        "youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com",
    ]
    private static let videoIDCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
    private static let maximumVideoIDLength = 64

    /// The player URL we write for an iframe's `src`, or nil when the frame is not an allowed video.
    static func playerURL(_ source: String, base: URL?) -> String? {
        guard let absolute = URLPolicy.safeURL(source, base: base, for: .resource),
              let components = URLComponents(string: absolute), let host = components.host?.lowercased()
        else { return nil }
        let path = components.path.split(separator: "/").map(String.init)
        if youTubeHosts.contains(host), path.count == 2, path[0] == "embed", isVideoID(path[1]) {
            let start = components.queryItems?.first { $0.name == "start" }?.value.flatMap { UInt($0) }
            return "https://www.youtube-nocookie.com/embed/\(path[1])" + (start.map { "?start=\($0)" } ?? "")
        }
        if host == "player.vimeo.com", path.count == 2, path[0] == "video", !path[1].isEmpty,
           path[1].allSatisfy(\.isASCIIDigit), path[1].count <= maximumVideoIDLength {
            // Unlisted videos need their hash to play at all.
            let hash = components.queryItems?.first { $0.name == "h" }?.value.flatMap { $0.allSatisfy(\.isHexDigit) ? $0 : nil }
            return "https://player.vimeo.com/video/\(path[1])" + (hash.map { "?h=\($0)" } ?? "")
        }
        return nil
    }

    private static func isVideoID(_ candidate: String) -> Bool {
        !candidate.isEmpty && candidate.count <= maximumVideoIDLength && candidate.allSatisfy(videoIDCharacters.contains)
    }
}

/// Images that exist only to tell someone the reader opened the page.
enum TrackingPixels {
    /// Hosts (and their subdomains) that serve counting pixels, never pictures.
    static let trackerHosts: Set<String> = [
        "feeds.feedburner.com", "feedproxy.google.com", "feedsportal.com", "pixel.wp.com", "stats.wp.com",
        "stats.wordpress.com", "google-analytics.com", "doubleclick.net", "scorecardresearch.com",
        "quantserve.com", "pixel.quantserve.com", "list-manage.com", "pardot.com", "mc.yandex.ru",
        "bat.bing.com", "ct.pinterest.com", "analytics.twitter.com", "px.ads.linkedin.com", "pixel.mathtag.com",
        "eotrx.substackcdn.com", "pheedo.com", "mediaplex.com", "tynt.com",
    ]

    /// A declared size at or below this in both directions is a pixel, not a picture.
    static let maximumPixelSide = 1

    static func isPixel(url: String, width: String?, height: String?) -> Bool {
        if let width = width.flatMap(leadingNumber), let height = height.flatMap(leadingNumber),
           width <= maximumPixelSide, height <= maximumPixelSide {
            return true
        }
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        var domain = Substring(host)
        while true {
            if trackerHosts.contains(String(domain)) { return true }
            guard let dot = domain.firstIndex(of: ".") else { return false }
            domain = domain[domain.index(after: dot)...]
        }
    }

    /// `1`, `1px` and ` 0 ` all declare a size; anything else does not.
    private static func leadingNumber(_ value: String) -> Int? {
        let digits = value.trimmingCharacters(in: .whitespaces).prefix(while: \.isASCIIDigit)
        return digits.isEmpty || digits.count > ElementPolicy.maximumNumberDigits ? nil : Int(digits)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
