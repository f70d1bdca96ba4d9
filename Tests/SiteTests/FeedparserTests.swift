import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// Every feed the site serves, read by Python's feedparser from PyPI (installed on demand into a
/// venv under .build/venvs, as scripts/bench-feeds does): well-formed (`bozo` 0), every article,
/// its title, link and TL;DR, and the importance. feedparser has no JSON Feed reader, so the
/// same script checks the JSON Feeds against JSON Feed 1.1's required fields and date format.
/// Not skipped anywhere: a machine without python3 or PyPI fails it.
@Suite(.serialized) struct FeedparserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let script = #"""
        import datetime, html, json, sys
        import feedparser

        def when(text):
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))

        def json_feed(data):
            document = json.loads(data)
            problems = []
            if document.get("version") != "https://jsonfeed.org/version/1.1":
                problems.append("version")
            for key in ("title", "home_page_url", "feed_url"):
                if not isinstance(document.get(key), str):
                    problems.append(key)
            entries = []
            for item in document.get("items", []):
                for key in ("id", "url", "title", "summary", "content_text", "date_published", "date_modified"):
                    if not isinstance(item.get(key), str):
                        problems.append("item " + key)
                when(item["date_published"]), when(item["date_modified"])
                entries.append({"title": item["title"], "link": item["url"], "summary": item["summary"],
                                "tags": item.get("tags", []), "importance": item.get("_kawaraban", {}).get("importance")})
            return {"bozo": 1 if problems else 0, "problem": ", ".join(problems), "entries": entries}

        def xml_feed(data):
            parsed = feedparser.parse(data)
            entries = [{"title": entry.get("title"), "link": entry.get("link"),
                        "summary": html.unescape(entry.get("summary", "")),
                        "tags": [tag.get("term") for tag in entry.get("tags", [])], "importance": None,
                        "dated": entry.get("published_parsed") is not None or entry.get("updated_parsed") is not None}
                       for entry in parsed.entries]
            return {"bozo": int(parsed.bozo), "problem": str(parsed.get("bozo_exception", "")), "entries": entries}

        results = {}
        for path in sys.argv[1:]:
            with open(path, "rb") as file:
                data = file.read()
            results[path.rsplit("/", 1)[-1]] = json_feed(data) if path.endswith(".json") else xml_feed(data)
        print(json.dumps(results, ensure_ascii=False))
        """#

    struct Reading: Decodable {
        var bozo: Int
        var problem: String
        var entries: [Entry]
    }

    struct Entry: Decodable {
        var title: String?
        var link: String?
        var summary: String?
        var tags: [String]
        var importance: Int?
        var dated: Bool?
    }

    /// The venv's python with feedparser importable, created and filled on first use.
    static func feedparserPython() throws -> String {
        let venvs = ProcessInfo.processInfo.environment["KAWARABAN_VENVS"] ?? root.appendingPathComponent(".build/venvs").path
        let venv = "\(venvs)/feedparser"
        let python = "\(venv)/bin/python"
        if (try? run(python, ["-c", "import feedparser"]))?.status == 0 { return python }
        let created = try run("/usr/bin/env", ["python3", "-m", "venv", venv])
        try #require(created.status == 0, "python3 -m venv failed: \(created.output)")
        let installed = try run("\(venv)/bin/pip", ["install", "-q", "feedparser"])
        try #require(installed.status == 0, "pip install feedparser failed: \(installed.output)")
        return python
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: Backend.available)
    func feedparserReadsEveryFeedKindAndFormat(backend: Backend) async throws {
        let python = try Self.feedparserPython()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-feedparser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = try await withSite(backend) { store, client -> FeedFixture in
            let fixture = try await FeedFixture.store(in: store)
            let scopes: [(name: String, scope: FeedScope)] = [
                ("latest", .latest), ("tag", .tag("生成AI")), ("company", .company(id: fixture.company)),
            ]
            for (name, scope) in scopes {
                for format in FeedFormat.allCases {
                    let body = try await client.execute(uri: scope.path(format), method: .get) { response in
                        #expect(response.status == .ok)
                        return String(buffer: response.body)
                    }
                    try Data(body.utf8).write(to: directory.appendingPathComponent("\(name).\(format.fileExtension)"))
                }
            }
            return fixture
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.count == 9)
        let result = try Self.run(python, ["-c", Self.script] + files.map { directory.appendingPathComponent($0).path })
        try #require(result.status == 0, "feedparser script failed: \(result.output)")
        let readings = try JSONDecoder().decode([String: Reading].self, from: Data(result.output.utf8))

        let rows = FeedFixture.rows
        let expected: [String: [Int]] = ["latest": [2, 1, 0], "tag": [1, 0], "company": [1, 0]]
        for file in files {
            let reading = try #require(readings[file])
            let kind = String(file.prefix { $0 != "." })
            let indices = try #require(expected[kind])
            #expect(reading.bozo == 0, "\(file): \(reading.problem)")
            #expect(reading.entries.count == indices.count, "\(file)")
            for (entry, index) in zip(reading.entries, indices) {
                #expect(entry.title == rows[index].title, "\(file)")
                #expect(entry.link == "https://news.example.jp\(fixture.paths[index])", "\(file)")
                #expect(entry.summary == FeedFixture.tldr, "\(file)")
                #expect(entry.tags.contains("重要度\(rows[index].importance)"), "\(file)")
                #expect(Set(rows[index].tags).isSubset(of: entry.tags), "\(file)")
                if file.hasSuffix(".json") {
                    #expect(entry.importance == rows[index].importance, "\(file)")
                } else {
                    #expect(entry.dated == true, "\(file)")
                }
            }
        }
    }

    /// The digest feeds, one entry per digest: well-formed, each entry the digest's title, page
    /// and summary, dated, and no importance (a digest has none).
    @Test(arguments: Backend.available)
    func feedparserReadsEveryDigestFeed(backend: Backend) async throws {
        let python = try Self.feedparserPython()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-digest-feeds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withSite(backend) { store, client in
            _ = try await DigestRoutesTests.store(in: store)
            for kind in DigestKind.allCases {
                for format in FeedFormat.allCases {
                    let body = try await client.execute(uri: FeedScope.digests(kind).path(format), method: .get) { response in
                        #expect(response.status == .ok)
                        return String(buffer: response.body)
                    }
                    try Data(body.utf8).write(to: directory.appendingPathComponent("\(kind.rawValue).\(format.fileExtension)"))
                }
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.count == 9)
        let result = try Self.run(python, ["-c", Self.script] + files.map { directory.appendingPathComponent($0).path })
        try #require(result.status == 0, "feedparser script failed: \(result.output)")
        let readings = try JSONDecoder().decode([String: Reading].self, from: Data(result.output.utf8))
        let expected: [String: [(title: String, key: String, summary: String)]] = [
            "daily": [("AI日報 2026年11月29日（日）", "2026-11-29", "モデルの発表が相次いだ一日"),
                      ("AI日報 2026年11月28日（土）", "2026-11-28", DigestKind.daily.emptyNote)],
            "hacker": [("Hacker日報 2026年11月29日（日）", "2026-11-29", "主なニュース: 見出し0")],
            "weekly": [("週報 2026年第48週", "2026-W48", "今週の概観の本文")],
        ]
        for file in files {
            let reading = try #require(readings[file])
            let kind = String(file.prefix { $0 != "." })
            let entries = try #require(expected[kind])
            #expect(reading.bozo == 0, "\(file): \(reading.problem)")
            #expect(reading.entries.count == entries.count, "\(file)")
            for (entry, digest) in zip(reading.entries, entries) {
                #expect(entry.title == digest.title, "\(file)")
                #expect(entry.link == "https://news.example.jp/\(kind)/\(digest.key)", "\(file)")
                #expect(entry.summary == digest.summary, "\(file)")
                #expect(!entry.tags.contains { $0.hasPrefix("重要度") }, "\(file)")
                if file.hasSuffix(".json") {
                    #expect(entry.importance == nil, "\(file)")
                } else {
                    #expect(entry.dated == true, "\(file)")
                }
            }
        }
    }
}
