import ArgumentParser
import Extraction
import Foundation
import KawarabanCore

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the readable article of a saved page.")

    @Argument(help: "An HTML file.") var file: String
    @Option(help: "The page's URL, to resolve relative links.") var url: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let html = try Data(contentsOf: URL(fileURLWithPath: file))
        let article: Article
        do {
            article = try ArticleExtractor.extract(html: html, pageURL: url.flatMap(URL.init(string:)))
        } catch {
            throw CommandFailure("\(file): \(error.description)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(article), as: UTF8.self))
        } else {
            print("title: \(article.title)")
            if let author = article.author { print("author: \(author)") }
            if let published = article.publishedAt { print("published: \(published.ISO8601Format())") }
            print("")
            print(article.plainText)
        }
    }
}
