import Foundation

/// One spelling per article URL, so that the same story reached twice is stored once.
public enum CanonicalURL {
    /// Query parameters that only track the reader and never change the page.
    public static let trackingParameters: Set<String> = [
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "ref_src", "ref_url",
        "igshid", "yclid", "_hsenc", "_hsmi", "mkt_tok", "spm", "cmpid", "ocid", "soc_src", "soc_trk",
    ]

    public static func isTracking(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered.hasPrefix("utm_") || trackingParameters.contains(lowered)
    }

    /// The query items that are not tracking parameters; nil when none is left.
    public static func withoutTracking(_ items: [URLQueryItem]) -> [URLQueryItem]? {
        let kept = items.filter { !isTracking($0.name) }
        return kept.isEmpty ? nil : kept
    }

    /// Lower-cases scheme and host, drops default ports, fragments and tracking parameters.
    /// Returns the input trimmed when it is not an absolute http(s) URL.
    public static func canonicalize(_ string: String) -> String {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard var components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { return trimmed }
        components.scheme = scheme
        components.host = host.lowercased()
        if (scheme == "http" && components.port == 80) || (scheme == "https" && components.port == 443) {
            components.port = nil
        }
        components.fragment = nil
        if let items = components.queryItems { components.queryItems = withoutTracking(items) }
        if components.path.isEmpty { components.path = "/" }
        return components.string ?? trimmed
    }
}
