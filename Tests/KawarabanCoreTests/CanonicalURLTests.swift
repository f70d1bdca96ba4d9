import Testing
import KawarabanCore

@Suite struct CanonicalURLTests {
    @Test(arguments: [
        ("https://Example.COM/news/a?utm_source=rss&utm_medium=feed", "https://example.com/news/a"),
        ("http://example.com:80/a#comments", "http://example.com/a"),
        ("https://example.com:443/a?id=7&fbclid=xyz", "https://example.com/a?id=7"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a?gclid=1&mc_cid=2&ref=home&page=2", "https://example.com/a?page=2"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("mailto:news@example.com", "mailto:news@example.com"),
    ])
    func canonicalises(input: String, expected: String) {
        #expect(CanonicalURL.canonicalize(input) == expected)
    }
}
