import Foundation
import KawarabanCore
import Logging
import Testing
import TestSupport
@testable import LLM
@testable import Newsroom

/// The glossary's deterministic guarantee: a name it knows comes back as its rendering from
/// translation and analysis, whatever the model wrote, and no name or text can make matching
/// slow or wrong. Names and texts here are hostile on purpose.
@Suite struct GlossaryTests {
    func entry(_ original: String, _ rendering: String, kind: EntityKind? = nil, previous: [String] = []) -> GlossaryEntry {
        GlossaryEntry(original: original, rendering: rendering, kind: kind, origin: .seed, previousRenderings: previous)
    }

    var glossary: Glossary {
        Glossary([entry("Sam Altman", "サム・アルトマン", kind: .person), entry("OpenAI", "OpenAI", kind: .company),
                  entry("Google", "Google"), entry("Google DeepMind", "Google DeepMind"), entry("DeepMind", "DeepMind")])
    }

    func matched(_ text: String, in glossary: Glossary) -> [String] {
        let characters = Array(text)
        return glossary.originals.matches(in: characters).map { String(characters[$0.range]) }
    }

    @Test func aNameIsMaskedOutsideCodeAndURLsAndComesBackAsItsRendering() throws {
        let source: [Inline] = [
            .text("Sam Altman said OpenAI ships. See https://blog.example/OpenAI/Sam-Altman for "),
            .code("OpenAI.chat(\"Sam Altman\")"),
            .link(href: "https://openai.example/sam-altman", [.text("Sam Altman's post")]),
        ]
        let masked = Masking.mask(source, names: glossary)
        #expect(masked.text == "⟦1⟧ said ⟦2⟧ ships. See ⟦3⟧ for ⟦4⟧⟦5⟧⟦6⟧'s post⟦/5⟧")
        #expect(masked.marks[3] == .kept(.text("https://blog.example/OpenAI/Sam-Altman")))
        #expect(masked.marks[4] == .kept(.code("OpenAI.chat(\"Sam Altman\")")))
        #expect(masked.marks[5] == .link(href: "https://openai.example/sam-altman"))

        // The model cannot see the name, so it cannot write it another way.
        let inlines = try Masking.unmask("⟦1⟧は⟦2⟧が出荷すると述べた。⟦3⟧を参照。⟦4⟧⟦5⟧⟦6⟧の投稿⟦/5⟧", marks: masked.marks)
        #expect(inlines.plainText == "サム・アルトマンはOpenAIが出荷すると述べた。https://blog.example/OpenAI/Sam-Altmanを参照。"
            + "OpenAI.chat(\"Sam Altman\")サム・アルトマンの投稿")
        #expect(inlines.contains(.code("OpenAI.chat(\"Sam Altman\")")), "code stays code")
    }

    @Test func aTranslatorThatRendersANameItsOwnWayStillPublishesTheGlossarysRendering() async throws {
        // The sensible server turns every Latin word into 訳: an unmasked name would not survive.
        let server = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(server.handler) { port in
            let translator = Translator(client: client(port: port), edition: .japanese)
            let blocks: [Block] = [.paragraph([.text("Sam Altman met Google DeepMind staff.")])]
            let translation = try await translator.translate(blocks, glossary: glossary.relevant(to: blocks.map(\.plainText)))
            #expect(translation.blocks.map(\.plainText) == ["「訳」サム・アルトマン 訳 Google DeepMind 訳."])
            let prompt = try #require(server.received.first?.bodyText)
            #expect(prompt.contains("サム・アルトマン"), "the relevant entries are in the prompt")
            #expect(!prompt.contains("\\\"OpenAI\\\""), "an entry the article does not name is not")
        }
    }

    @Test func aPieceThatIsOnlyANameIsRenderedWithoutACall() async throws {
        let server = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(server.handler) { port in
            let translator = Translator(client: client(port: port), edition: .japanese)
            let blocks: [Block] = [.heading(level: 2, [.text("Sam Altman")]), .paragraph([.text("He met the board.")])]
            let translation = try await translator.translate(blocks, glossary: glossary.relevant(to: blocks.map(\.plainText)))
            // The sensible server puts 「訳」 before every segment it is sent: the heading was not.
            #expect(translation.blocks.map(\.plainText) == ["サム・アルトマン", "「訳」訳 訳 訳 訳."])
            #expect(server.received.count == 1)
        }
    }

    @Test func overlappingNamesTakeTheLongestAtEachStartAndRespectLatinWordBoundaries() {
        #expect(matched("Google DeepMind, Google and DeepMind.", in: glossary) == ["Google DeepMind", "Google", "DeepMind"])
        #expect(matched("Googlers at NotOpenAI and OpenAIs", in: glossary).isEmpty)
        #expect(matched("OpenAIが発表し、GoogleのDeepMindも", in: glossary) == ["OpenAI", "Google", "DeepMind"])
        #expect(matched("openai and GOOGLE", in: glossary).isEmpty, "matching is case-aware")
    }

    @Test func namesMadeOfRegexMetacharactersAreMatchedLiterally() {
        let fix = RenderingFix([".*": "ドットスター", "(a|b)": "選択", "[[": "括弧", "\\d+": "数字", "C++": "シープラ"])
        #expect(fix.apply(to: "C++ and .* and (a|b) and ab and [[x]] and 42 and \\d+")
            == "シープラ and ドットスター and 選択 and ab and 括弧x]] and 42 and 数字")
        #expect(fix.apply(to: "nothing to see") == "nothing to see")
    }

    @Test func tenThousandEntriesAndAHostileTextMatchExactly() {
        let entries = (0..<10_000).map { entry("Company \($0)", "カンパニー\($0)") }
            + [entry(String(repeating: "a", count: 99), "長い名前"), entry(String(repeating: "名", count: 99), "長い漢字")]
        let big = Glossary(entries)
        // Near misses share every prefix with a name, and runs of one letter walk the trie as far as it goes.
        let text = (0..<2_000).map { "Company \($0 * 5) and Company \($0)x, " }.joined()
            + String(repeating: "a", count: 50_000) + " " + String(repeating: "名", count: 50_000)
        let found = matched(text, in: big)
        #expect(found.count == 2_000 + 505)
        #expect(found.first == "Company 0")
        #expect(found[1] == "Company 5")
        #expect(found.last == String(repeating: "名", count: 99))
        let relevant = big.relevant(to: [text])
        #expect(relevant.entries.count == Glossary.maximumEntriesPerArticle)
        #expect(relevant.entries.first?.original == String(repeating: "名", count: 99), "the most mentioned first")
    }

    @Test func settlingAnAnalysisReplacesEveryOtherRenderingOfAKnownEntity() {
        let analysis = Analysis(
            title: "サム・オルトマン氏がOpenAIの新方針を発表", tldr: "オルトマン氏は語った。", keyPoints: [
                KeyPoint(heading: "Sam Altmanの発言", body: "サム・オルトマンが述べた。"),
            ], impact: "アルトマン・サムの影響。", editorial: "サム・アルトマンの判断に注目。", tags: ["サム・オルトマン", "サム・アルトマン"],
            entities: [Entity(name: "Sam Altman", kind: .person, rendering: "サム・オルトマン", main: true),
                       Entity(name: "Newcomer Inc", kind: .company, rendering: "ニューカマー", main: false)],
            scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3), analysedAt: Date(), model: "m")
        let settled = Glossary.settle(analysis, with: [entry("Sam Altman", "サム・アルトマン", previous: ["アルトマン・サム"])])
        #expect(settled.title == "サム・アルトマン氏がOpenAIの新方針を発表")
        #expect(settled.tldr == "オルトマン氏は語った。", "a surname alone is not a known rendering")
        #expect(settled.keyPoints == [KeyPoint(heading: "サム・アルトマンの発言", body: "サム・アルトマンが述べた。")])
        #expect(settled.impact == "サム・アルトマンの影響。")
        #expect(settled.editorial == "サム・アルトマンの判断に注目。")
        #expect(settled.tags == ["サム・アルトマン"])
        #expect(settled.entities.map(\.rendering) == ["サム・アルトマン", "ニューカマー"])
    }

    @Test func onlyNamesTheArticleItselfSpellsEnterTheGlossaryAndNoneFromASuspiciousOne() {
        let article = Article(title: "Kenji Walton joins Acme", blocks: [.paragraph([.text("The lab, Acme Robotics, hired him.")])])
        let entities = [Entity(name: "Kenji Walton", kind: .person, rendering: "ケンジ・ウォルトン", main: true),
                        Entity(name: "Acme Robotics", kind: .company, rendering: "Acme Robotics", main: false),
                        Entity(name: "Nowhere Corp", kind: .company, rendering: "ノーウェア", main: false),
                        Entity(name: "the", kind: .company, rendering: "ザ", main: false),
                        Entity(name: "Acme Rob", kind: .company, rendering: "アクメ", main: false)]
        #expect(Glossary.namesToAdopt(from: entities, of: article, suspicious: false) == ["kenji walton", "acme robotics"])
        #expect(Glossary.namesToAdopt(from: entities, of: article, suspicious: true).isEmpty)
    }

    @Test func anEntryTheArticleNamesIsSettledEvenWhenTheAnswerDoesNotListIt() {
        let analysis = Analysis(
            title: "ケンジ・ワルトン氏、Sonyと提携", tldr: "Kenji Waltonが語った。", keyPoints: [], impact: "影響。",
            editorial: "ソニーの判断。", tags: ["AI"], scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3),
            analysedAt: Date(), model: "m")
        let settled = Glossary.settle(analysis, with: [entry("Kenji Walton", "ケンジ・ウォルトン"), entry("Sony", "ソニー")],
                                      aliases: [NameKey.of("Kenji Walton"): ["ケンジ・ワルトン", "ソニー"]])
        #expect(settled.title == "ケンジ・ウォルトン氏、ソニーと提携")
        #expect(settled.tldr == "ケンジ・ウォルトンが語った。")
        #expect(settled.editorial == "ソニーの判断。", "an alias that is another entry's rendering is never replaced")
    }

    @Test func aWrongRenderingInsideTheRightOneIsLeftAlone() {
        let fix = RenderingFix(["アルトマン": "サム・アルトマン", "サム・アルトマン": "サム・アルトマン"])
        #expect(fix.apply(to: "サム・アルトマンとアルトマン") == "サム・アルトマンとサム・アルトマン")
        #expect(RenderingFix(["氏": "サム・アルトマン"]).apply(to: "氏は語った") == "氏は語った", "one character is too likely something else")
        #expect(RenderingFix(["メタ": "Meta"]).apply(to: "メタはメタデータを公開") == "Metaはメタデータを公開", "katakana words have boundaries too")
    }

    @Test(arguments: [
        (13, "OpenAI", "company", "OpenAI", "at most 12"),
        (1, "OpenAI", "startup", "OpenAI", "kind must be one of"),
        (1, "Open\nAI", "company", "OpenAI", "control characters"),
        (1, "OpenAI", "company", "⟦1⟧", "placeholder brackets"),
        (1, String(repeating: "x", count: 81), "company", "x", "at most 80"),
        (1, " ", "company", "x", "the original is empty"),
    ])
    func invalidEntitiesAreRefusedWithAReason(count: Int, name: String, kind: String, rendering: String, reason: String) {
        let answers = (0..<count).map { Analyst.EntityAnswer(name: count > 1 ? "\(name)\($0)" : name, kind: kind, rendering: rendering, main: false) }
        let error = #expect(throws: AnswerRejected.self) { try Analyst.validEntities(answers) }
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func anEntityNamedTwiceInAnyCaseOrWidthIsRefused() throws {
        let twice = [Analyst.EntityAnswer(name: "OpenAI", kind: "company", rendering: "OpenAI", main: true),
                     Analyst.EntityAnswer(name: "ＯＰＥＮＡＩ", kind: "company", rendering: "OpenAI", main: false)]
        let error = #expect(throws: AnswerRejected.self) { try Analyst.validEntities(twice) }
        #expect(error?.reason.contains("twice") == true)
        let valid = try Analyst.validEntities([Analyst.EntityAnswer(name: " Claude Code ", kind: "tool", rendering: "Claude Code", main: true)])
        #expect(valid == [Entity(name: "Claude Code", kind: .tool, rendering: "Claude Code", main: true)])
    }

    @Test func glossaryFilesAreCheckedLineByLineAndTheSeedIsSound() throws {
        let error = #expect(throws: GlossaryFile.Invalid.self) {
            try GlossaryFile.parse("OpenAI\tOpenAI\tcompany\nbad line\nX\tY\tstartup\nopenai\tオープンAI\n", origin: .operator)
        }
        #expect(error?.description == """
            line 2: expected ORIGINAL<tab>RENDERING[<tab>KIND]
            line 3: unknown kind "startup"; use company, organisation, product, model, person, tool
            line 4: openai is listed twice
            """)
        let seed = try GlossaryFile.seed(languageCode: "ja")
        #expect(seed.count >= 300)
        #expect(seed.first { $0.original == "Jensen Huang" }?.rendering == "ジェンスン・フアン")
        // A person with a Latin first and last name is written in katakana with ・ (or kanji for Chinese and Japanese names).
        let people = seed.filter { $0.kind == .person && $0.original.contains(" ") && !$0.original.contains(".") }
        let latin = people.filter { $0.rendering.unicodeScalars.contains { $0.properties.isAlphabetic && $0.isASCII } }
        #expect(latin.isEmpty, "\(latin.map(\.original))")
        #expect(try GlossaryFile.seed(languageCode: "xx").isEmpty)
        #expect(GlossaryFile.format(Array(seed.prefix(2))) == "OpenAI\tOpenAI\tcompany\nAnthropic\tAnthropic\tcompany\n")
    }

    func client(port: Int) -> ChatClient {
        ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m",
                                                   retryBaseDelay: .milliseconds(10)),
                   logger: Logger(label: "glossary-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}
