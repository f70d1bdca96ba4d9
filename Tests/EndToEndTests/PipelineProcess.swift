import TestSupport

extension KawarabanProcess {
    /// The executable as a whole pipeline under test: its own database, allowed to fetch from the
    /// local site, analysing and translating with the scripted model; `more` adds settings.
    static func pipeline(database: TestDatabase, sitePort: Int, llmPort: Int, _ more: [String: String] = [:]) -> KawarabanProcess {
        KawarabanProcess(environment: [
            "KAWARABAN_DATABASE": database.location,
            "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)",
            "KAWARABAN_LLM_BASE_URL": "http://127.0.0.1:\(llmPort)/v1",
            "KAWARABAN_LLM_MODEL": "scripted-model",
        ].merging(more) { _, added in added })
    }
}
