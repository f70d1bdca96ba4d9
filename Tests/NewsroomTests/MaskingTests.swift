import KawarabanCore
import Testing
@testable import Newsroom

@Suite struct MaskingTests {
    let source: [Inline] = [
        .text("See "), .link(href: "https://a.example/x", [.text("the "), .emphasis([.text("paper")])]),
        .text(" and run "), .code("pip install x"), .text(", or visit https://b.example/docs."),
        .lineBreak, .strong([.text("Done")]),
    ]

    @Test func marksBecomePlaceholdersTheModelNeverSeesThroughTo() {
        let masked = Masking.mask(source)
        #expect(masked.text == "See ⟦1⟧the ⟦2⟧paper⟦/2⟧⟦/1⟧ and run ⟦3⟧, or visit ⟦4⟧.⟦5⟧⟦6⟧Done⟦/6⟧")
        #expect(!masked.text.contains("a.example"))
        #expect(!masked.text.contains("pip install"))
    }

    @Test func translatedTextIsRebuiltWithEveryMarkInPlace() throws {
        let masked = Masking.mask(source)
        let translated = "⟦1⟧⟦2⟧論文⟦/2⟧⟦/1⟧を参照し、⟦3⟧を実行するか、⟦4⟧を見てください。⟦5⟧⟦6⟧完了⟦/6⟧"
        let inlines = try Masking.unmask(translated, marks: masked.marks)
        #expect(inlines == [
            .link(href: "https://a.example/x", [.emphasis([.text("論文")])]), .text("を参照し、"), .code("pip install x"),
            .text("を実行するか、"), .text("https://b.example/docs"), .text("を見てください。"), .lineBreak,
            .strong([.text("完了")]),
        ])
    }

    @Test(arguments: [
        ("⟦1⟧論文⟦/1⟧と⟦3⟧", Masking.Failure.missing(["⟦2⟧", "⟦/2⟧"])),
        ("⟦1⟧a⟦/1⟧⟦2⟧b⟦/2⟧⟦3⟧⟦3⟧", .repeated("⟦3⟧")),
        ("⟦1⟧a⟦/1⟧⟦2⟧b⟦/2⟧⟦3⟧⟦9⟧", .unknownPlaceholder("⟦9⟧")),
        ("⟦1⟧⟦2⟧a⟦/1⟧⟦/2⟧⟦3⟧", .misnested("⟦/1⟧")),
        ("⟦1⟧a⟦/1⟧⟦2⟧b⟦/2⟧⟦3⟧ ⟧", .stray),
        ("⟦1⟧a⟦/1⟧⟦2⟧b⟦/2⟧⟦3⟧ ⟦CODE_0", .stray),
    ])
    func brokenPlaceholdersAreRefused(translated: String, failure: Masking.Failure) {
        let marks = Masking.mask([.link(href: "https://a.example", [.text("x")]), .emphasis([.text("y")]), .code("z")]).marks
        #expect(throws: failure) { try Masking.unmask(translated, marks: marks) }
    }

    @Test(arguments: [
        ("Docs at https://c.example/a_b?x=1.", "Docs at ⟦1⟧.", "https://c.example/a_b?x=1"),
        ("(see https://c.example/p)", "(see ⟦1⟧)", "https://c.example/p"),
    ])
    func bareURLsAreMaskedWithoutTheirTrailingPunctuation(source: String, masked: String, url: String) throws {
        let result = Masking.mask([.text(source)])
        #expect(result.text == masked)
        #expect(result.marks[1] == .kept(.text(url)))
    }

    @Test func bracketsTheSourceWritesItselfCannotPoseAsPlaceholders() throws {
        let masked = Masking.mask([.text("The set ⟦1⟧ is "), .code("x")])
        #expect(masked.text == "The set 〚1〛 is ⟦1⟧")
        let inlines = try Masking.unmask("集合〚1〛は⟦1⟧", marks: masked.marks)
        #expect(inlines == [.text("集合〚1〛は"), .code("x")])
        #expect(!Masking.containsPlaceholderMarks([.paragraph(inlines)]))
    }

    @Test func leftoverMarksAreFoundAnywhere() {
        #expect(Masking.containsPlaceholderMarks([.paragraph([.text("本文⟦CODE_0⟧")])]))
        #expect(Masking.containsPlaceholderMarks([.figure(src: "https://a.example/i.png", alt: "⟦1⟧", caption: [.text("図")])]))
        #expect(!Masking.containsPlaceholderMarks([.paragraph([.text("本文")]), .code(language: nil, text: "x[0]")]))
    }
}
