import ArgumentParser
import Extraction
import Foundation
import Pipeline
import KawarabanCore

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the readable article of a saved page or a URL, or extract a whole corpus of saved pages.",
        discussion: """
            kawaraban extract page.html [--url URL] [--json]
            kawaraban extract https://example.com/story [--json]
            kawaraban extract --corpus DIR --out predictions.json   (reads DIR/<name>/source.html)
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "An HTML file, or an http(s) URL fetched through the collector's safe fetcher.") var source: String?
    @Option(help: "The page's URL, to resolve the relative links of a file.") var url: String?
    @Flag(help: "Print the article as JSON.") var json = false
    @Option(help: "A directory of DIR/<name>/source.html pages to extract in one go.") var corpus: String?
    @Option(help: "With --corpus: the JSON file to write, {\"<name>\": {\"articleBody\", \"title\", \"published\"}}.") var out: String?

    func validate() throws {
        switch (source, corpus) {
        case (nil, nil): throw ValidationError("give a file or URL, or --corpus DIR --out FILE.json")
        case (.some, .some): throw ValidationError("give either a file or URL, or --corpus, not both")
        case (nil, .some) where out == nil: throw ValidationError("--corpus needs --out FILE.json")
        default: break
        }
    }

    func run() async throws {
        if let corpus, let out {
            try extractCorpus(URL(fileURLWithPath: corpus), to: URL(fileURLWithPath: out))
            return
        }
        guard let source else { return }
        let article: Article
        do {
            article = try await SourceAddress.isWebAddress(source) ? extractFetched(source) : extractFile(source)
        } catch let error as ExtractionError {
            throw CommandFailure("\(source): \(error.description)")
        }
        if json {
            print(String(decoding: try Self.jsonEncoder.encode(article), as: UTF8.self))
        } else {
            print("title: \(article.title)")
            for (label, value) in [("author", article.author), ("published", article.publishedAt?.ISO8601Format()),
                                   ("site", article.siteName), ("language", article.language),
                                   ("canonical", article.canonicalURL), ("image", article.leadImage),
                                   ("description", article.description)] {
                if let value { print("\(label): \(value)") }
            }
            print("")
            print(article.plainText)
        }
    }

    /// Pretty, stable JSON for both the single article and the corpus file.
    private static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private func extractFile(_ path: String) throws -> Article {
        let html = try Data(contentsOf: URL(fileURLWithPath: path))
        return try ArticleExtractor.extract(html: html, pageURL: url.flatMap(URL.init(string:)))
    }

    /// The page goes through the same limits, allow list and charset decoding as the pipeline's.
    private func extractFetched(_ address: String) async throws -> Article {
        let response = try await SourceAddress.fetch(address, accept: Worker.pageAccept, options: options)
        let html = TextDecoding.decode(response.body, contentType: response.contentType)
        return try ArticleExtractor.extract(html: html, pageURL: response.finalURL)
    }

    /// What one page of a corpus yields, in the shape extraction-score.py reads.
    private struct CorpusEntry: Encodable {
        let articleBody: String
        let title: String?
        let published: String?
        let error: String?
    }

    private func extractCorpus(_ directory: URL, to output: URL) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).appendingPathComponent("source.html").path)
        }
        guard !names.isEmpty else { throw CommandFailure("\(directory.path): no <name>/source.html pages") }
        let pages = try names.map { try Data(contentsOf: directory.appendingPathComponent($0).appendingPathComponent("source.html")) }
        var entries: [String: CorpusEntry] = [:]
        var failures = 0
        // Only extraction is timed: reading files and writing JSON are not what is being measured.
        let elapsed = ContinuousClock().measure {
            for (name, html) in zip(names, pages) {
                do throws(ExtractionError) {
                    // Short results are kept, so that scoring sees what was found, and reported as not articles.
                    let article = try ArticleExtractor.extract(html: html, pageURL: nil, minimumCharacters: 0)
                    let text = article.readableText
                    let shortfall = text.count < ArticleExtractor.minimumArticleCharacters
                        ? ExtractionError.tooLittleText(characters: text.count).description : nil
                    if shortfall != nil { failures += 1 }
                    entries[name] = CorpusEntry(articleBody: text, title: article.title,
                                                published: article.publishedAt?.ISO8601Format(), error: shortfall)
                } catch {
                    failures += 1
                    entries[name] = CorpusEntry(articleBody: "", title: nil, published: nil, error: error.description)
                }
            }
        }
        try Self.jsonEncoder.encode(entries).write(to: output)
        let seconds = elapsed.timeInterval
        print(String(format: "%d pages (%d without an article) in %.3f s: %.1f pages/s", names.count, failures, seconds,
                     Double(names.count) / max(seconds, 1e-9)))
    }
}
