import KawarabanCore
import Testing
@testable import Newsroom

@Suite struct RegisterCheckTests {
    /// Paragraphs of the seed page's body (../shared/seed), which switches from だ・である to
    /// です・ます in its fourth paragraph and back in its seventh.
    static let seedOpening = "OpenAI が AI 搭載型ゲームボットの開発に忙殺されていた頃、マイクロソフトの CEO サティア・ナデラと OpenAI の CEO サム・アルトマンは、AI パートナーシップを結成する初期段階にあった。現在進行中の「マスク対アルトマン」裁判の法廷記録からは、OpenAI への投資や、同 AI スタートアップが「アマゾンに走ってしまい」「マイクロソフトについて悪口を言うのではないか」という懸念に関するマイクロソフトの最高経営陣間の通信内容が、めったに見られない形で明らかになっている。"
    static let seedSwitch = "その後、数ヶ月後にオルトマンは代替案を提示しました。それは「Xbox とゲーム分野でのパートナーシップを構築し、Dota 研究に対するスポンサーシップの拡大と引き換えに、自社の技術と知的財産権を提供する」という内容です。これは現在、Azure ソリューションおよびエコシステムのバイスプレジデントを務めるブレット・タンザー氏によるところです。Xbox チームは「協力機会を探求すること」に興味を示しましたが、研究コストを単独で負担することはできませんでした。"
    static let seedReturn = "1年後、スコットはナデラとマイクロソフトの共同創設者ビル・ゲイツ宛てのメールで、両社が「最も印象的なゲームプレイのスタントを達成できるか」を競っていた当時、OpenAI や Google DeepMind における AI 取り組みに対して「非常に軽視していた」と認めた。スコットは OpenAI が自然言語処理モデルへと移行し、マイクロソフトが Google の AI 取り組みに遅れをとることを恐れるようになったとき、より大きな感銘を受けた。スコットの「OpenAI に関する考え」メールから1ヶ月後、マイクロソフトは OpenAI への10億ドルの投資を発表した。"
    /// The seed's impact paragraph: polite throughout, as commentary should be.
    static let seedImpact = "このニュースは、AI業界の覇権争いにおいて、インフラ(クラウド)の支配力が戦略的パートナーシップの成否を左右する決定的要因であることを示しています。また、企業間の提携が単なる技術協力ではなく、競合他社への流出防止という防衛策として機能している現実を浮き彫りにし、投資家や業界関係者に対して、AIエコシステムの力学に対するより深い理解を迫るものです。"

    @Test func theSeedBodyIsCaughtSwitchingRegisterHalfway() throws {
        let body = [Self.seedOpening, Self.seedSwitch, Self.seedReturn].joined(separator: "\n")
        let profile = RegisterCheck.profile(of: body)
        #expect(profile.plainSentences == 5)
        #expect(profile.politeSentences == 4)
        #expect(!profile.isConsistent)
        let reason = try #require(RegisterCheck.problem(in: body, expected: .plain))
        #expect(reason.hasPrefix("4 of 9 sentences end in polite style (です・ます調)"))
        #expect(reason.contains("提示しました"))
        // Sentences quoted in the reason are the offending ones only.
        #expect(!reason.contains("発表した"))
    }

    @Test func theSeedCommentaryKeepsToPoliteStyle() {
        #expect(RegisterCheck.problem(in: Self.seedImpact, expected: .polite) == nil)
        #expect(RegisterCheck.profile(of: Self.seedImpact).politeSentences == 2)
        #expect(RegisterCheck.problem(in: Self.seedOpening, expected: .plain) == nil)
        #expect(RegisterCheck.problem(in: Self.seedImpact, expected: .plain) != nil)
    }

    @Test(arguments: [
        ("新モデルを発表した。", Register.plain), ("これは大きな一歩である。", .plain), ("影響は限定的だ。", .plain),
        ("まだ一般には使えない。", .plain), ("同社は来月から提供する。", .plain), ("今後も続くだろうか。", .plain),
        ("詳細は明かされず。", .plain), ("新モデルを発表しました。", .polite), ("これは大きな一歩です。", .polite),
        ("まだ一般には使えません。", .polite), ("今後も続くでしょう。", .polite), ("注目に値しますね。", .polite),
        ("本当に速いのですか？", .polite), ("「大きな一歩です」と述べた。", .plain), ("「大きな一歩だ」と述べました。", .polite),
    ])
    func aSentenceIsReadFromItsEndingOutsideQuotations(sentence: String, register: Register) {
        let profile = RegisterCheck.profile(of: sentence)
        #expect(profile.sentences(in: register) == 1, "\(sentence)")
        #expect(profile.sentences(in: register.other) == 0, "\(sentence)")
    }

    @Test(arguments: [
        "OpenAI、新モデル「o5」を発表。", "推論ベンチマークで首位", "「これは大きな一歩です。」", "・速度は従来の2倍です",
        "- 料金は据え置かれます", "GPT-5.", "価格は月額20ドル（税別）",
    ])
    func headlinesQuotationsListsAndNounEndingsAreNeutral(text: String) {
        let profile = RegisterCheck.profile(of: text)
        #expect(profile.plainSentences == 0 && profile.politeSentences == 0, "\(text)")
    }

    // MARK: Hostile input

    @Test func textWithoutPunctuationIsOneSentencePerLine() {
        let profile = RegisterCheck.profile(of: "句読点のない文章が続きますそして最後まで止まりません\n次の行は普通に終わる")
        #expect(profile.politeSentences == 1)
        #expect(profile.plainSentences == 1)
    }

    @Test func aMegabyteOfTextIsCountedSentenceBySentenceWithBoundedQuotes() throws {
        let pair = "モデルを発表した。とても速いです。"
        let repeats = 1_000_000 / pair.utf8.count
        let profile = RegisterCheck.profile(of: String(repeating: pair, count: repeats))
        #expect(profile.plainSentences == repeats)
        #expect(profile.politeSentences == repeats)
        #expect(profile.plainExamples.count == RegisterCheck.examplesKept)

        let unpunctuated = String(repeating: "長い文章", count: 250_000) + "です"
        let one = RegisterCheck.profile(of: unpunctuated)
        #expect(one.politeSentences == 1)
        let example = try #require(one.politeExamples.first)
        #expect(example.count <= RegisterCheck.excerptCharacters)
        #expect(example.hasSuffix("長い文章です"))
    }

    @Test func onlyQuotationsCountForNothing() {
        let quotes = String(repeating: "「これは発表です。」『そうだ』“本当ですか？”", count: 20_000)
        let profile = RegisterCheck.profile(of: quotes)
        #expect(profile.plainSentences == 0 && profile.politeSentences == 0)
        #expect(RegisterCheck.problem(in: quotes, expected: .plain) == nil)
    }

    @Test func anUnclosedQuotationEndsAtTheLineBreak() {
        let text = String(repeating: "「", count: 100_000) + "隠れた文です。\n次の行で発表しました。\n」」」最後は普通の文だ。"
        let profile = RegisterCheck.profile(of: text)
        #expect(profile.politeSentences == 1)
        #expect(profile.plainSentences == 1)
    }
}
