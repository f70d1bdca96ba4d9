import Foundation
import KawarabanCore
import Testing
@testable import LLM
@testable import Newsroom

/// The digest editor's validator: every story once and only the stories asked about, themes
/// named and not empty, every text one line within its length, and the lead in the editors'
/// register, which is a flaw worth one re-ask rather than a refusal.
@Suite struct DigestEditorTests {
    static func story(_ id: Int64, _ summary: String = "要約") -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["id": id, "summary": summary])
        return String(decoding: data, as: UTF8.self)
    }

    static func theme(_ name: String, _ stories: [String]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["theme": name])
        return String(decoding: data, as: UTF8.self).dropLast() + ",\"stories\":[\(stories.joined(separator: ","))]}"
    }

    static func answer(_ themes: [String], lead: String = "今日はモデルの発表が続きました。") -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["lead": lead])
        return String(decoding: data, as: UTF8.self).dropLast() + ",\"themes\":[\(themes.joined(separator: ","))]}"
    }

    func validate(_ answer: String) throws -> EditedDay {
        let decoded = try JSONDecoder().decode(DigestEditor.DayAnswer.self, from: Data(answer.utf8))
        return try DigestEditor.validate(decoded, ids: [1, 2, 3], edition: .japanese)
    }

    @Test(arguments: [
        (answer([theme("モデル", [story(1), story(2)])]), "ids 3 are in no theme"),
        (answer([theme("モデル", [story(1), story(2)]), theme("政策", [story(3), story(1)])]), "id 1 is placed more than once"),
        (answer([theme("モデル", [story(1), story(2), story(3), story(99)])]), "id 99 is not one of the stories"),
        (answer([theme("モデル", [story(1), story(2), story(3)]), theme("空", [])]), "theme 空 has no stories"),
        (answer([theme(" ", [story(1), story(2), story(3)])]), "theme name is empty"),
        (answer([]), "themes is empty"),
        (answer((1...9).map { theme("テーマ\($0)", $0 == 1 ? [story(1), story(2), story(3)] : []) }), "9 themes"),
        (answer([theme("モデル", [story(1), story(2), story(3, String(repeating: "長", count: 81))])]),
         "summary of id 3 is 81 characters long; write at most 80"),
        (answer([theme(String(repeating: "題", count: 31), [story(1), story(2), story(3)])]), "theme name is 31 characters long"),
        (answer([theme("モデル", [story(1), story(2), story(3)])], lead: "\n "), "lead is empty"),
        (answer([theme("モデル", [story(1), story(2), story(3)])], lead: String(repeating: "長", count: 1_000_000)),
         "lead is 1000000 characters long; write at most 400"),
    ])
    func aHostileAnswerIsRefusedWithAReason(answer: String, reason: String) throws {
        #expect {
            _ = try validate(answer)
        } throws: { error in
            (error as? AnswerRejected)?.reason.contains(reason) == true
        }
    }

    @Test func aValidAnswerKeepsTheEditorsThemesAndCollapsesEachTextToOneLine() throws {
        let day = try validate(Self.answer([Self.theme("政策", [Self.story(3, "規制案が\n提出された")]),
                                            Self.theme("モデル", [Self.story(2), Self.story(1)])]))
        #expect(day.themes.map(\.name) == ["政策", "モデル"])
        #expect(day.themes.map { $0.stories.map(\.id) } == [[3], [2, 1]])
        #expect(day.themes[0].stories[0].line == "規制案が 提出された")
        #expect(day.lead == "今日はモデルの発表が続きました。")
    }

    @Test func aLeadOutsideTheEditorsRegisterIsAFlawNotARefusal() throws {
        #expect {
            _ = try validate(Self.answer([Self.theme("モデル", [Self.story(1), Self.story(2), Self.story(3)])],
                                         lead: "今日はモデルの発表が続いた。注目すべき一日だった。"))
        } throws: { error in
            (error as? AnswerFlaw<EditedDay>)?.value.lead == "今日はモデルの発表が続いた。注目すべき一日だった。"
        }
    }
}
