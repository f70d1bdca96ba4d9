import Testing
@testable import LLM

/// The answer cache's key: the same request to the same model is the same key; any change in the
/// instructions, the schema, the content or the model is another.
@Suite struct AnswerKeyTests {
    func request(system: String = "Analyse.", user: String = "Article text", schema: String = "analysis",
                 task: LLMTask = .analysis) -> ChatRequest {
        ChatRequest(task: task, messages: [.system(system), .user(user)],
                    responseSchema: ResponseSchema(name: schema, schema: .object(["type": .string("object")])))
    }

    @Test func theSameRequestHasTheSameKey() {
        #expect(AnswerKey.forRequest(request(), model: "m") == AnswerKey.forRequest(request(), model: "m"))
    }

    @Test func instructionsMakeThePromptVersionAndTheRestTheContent() {
        let base = AnswerKey.forRequest(request(), model: "m")
        let newPrompt = AnswerKey.forRequest(request(system: "Analyse carefully."), model: "m")
        #expect(newPrompt.promptVersion != base.promptVersion)
        #expect(newPrompt.contentHash == base.contentHash)
        let newSchema = AnswerKey.forRequest(request(schema: "analysis2"), model: "m")
        #expect(newSchema.promptVersion != base.promptVersion)
        let newText = AnswerKey.forRequest(request(user: "Other text"), model: "m")
        #expect(newText.contentHash != base.contentHash)
        #expect(newText.promptVersion == base.promptVersion)
        #expect(AnswerKey.forRequest(request(), model: "n") != base)
        #expect(AnswerKey.forRequest(request(task: .triage), model: "m").kind == "triage")
    }

    @Test func partsCannotRunIntoEachOther() {
        #expect(AnswerKey.digest(["ab", "c"]) != AnswerKey.digest(["a", "bc"]))
        #expect(AnswerKey.digest(["abc"]) != AnswerKey.digest(["ab", "c"]))
        #expect(AnswerKey.digest([]).count == 64)
    }
}
