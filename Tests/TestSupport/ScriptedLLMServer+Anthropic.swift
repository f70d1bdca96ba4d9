import Foundation

/// The Anthropic Messages side of the scripted server. It checks what the real API insists on
/// (the path, `anthropic-version`, `x-api-key`, `max_tokens`, no system role among the messages)
/// and refuses a request that misses any, as the real API does. Answers, sensible or scripted in
/// the chat-completions form, are turned into messages: JSON content becomes the input of a
/// `tool_use` block of the forced tool, anything else a text block; `finish_reason: length`
/// becomes `stop_reason: max_tokens`; the prompt tokens are split over `input_tokens`,
/// `cache_creation_input_tokens` and `cache_read_input_tokens` (so their sum is the same as in
/// the chat-completions form); errors get Anthropic's error body. Answers already in the
/// Messages form (`anthropicText`, `overloaded`) are served as they are.
extension ScriptedLLMServer {
    public static let anthropicPath = "/v1/messages"

    /// 529 with Anthropic's `overloaded_error` body.
    public static func overloaded(retryAfter: Int? = nil) -> TestResponse {
        var response = anthropicError(status: 529, type: "overloaded_error", message: "Overloaded")
        if let retryAfter { response.headers.append(("Retry-After", "\(retryAfter)")) }
        return response
    }

    /// A message whose only block is text, even where a tool call was forced.
    public static func anthropicText(_ text: String, model: String = "scripted-model") -> TestResponse {
        anthropicMessage(blocks: [["type": "text", "text": text]], model: model, stopReason: "end_turn",
                         usage: ["input_tokens": 100, "output_tokens": 50])
    }

    static func anthropicRefusal(of request: TestRequest) -> TestResponse? {
        guard request.path == anthropicPath else {
            return anthropicError(status: 404, type: "not_found_error", message: "no route \(request.path)")
        }
        guard request.header("x-api-key")?.isEmpty == false else {
            return anthropicError(status: 401, type: "authentication_error", message: "x-api-key header is required")
        }
        guard request.header("anthropic-version") != nil else {
            return anthropicError(status: 400, type: "invalid_request_error", message: "anthropic-version header is required")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return anthropicError(status: 400, type: "invalid_request_error", message: "the body is not JSON")
        }
        guard json["max_tokens"] is Int else {
            return anthropicError(status: 400, type: "invalid_request_error", message: "max_tokens: Field required")
        }
        let roles = (json["messages"] as? [[String: Any]] ?? []).compactMap { $0["role"] as? String }
        guard !roles.isEmpty, roles.allSatisfy({ $0 == "user" || $0 == "assistant" }) else {
            return anthropicError(status: 400, type: "invalid_request_error", message: "messages: roles must be user or assistant")
        }
        return nil
    }

    /// The forced tool's name, from `tool_choice`.
    static func anthropicToolName(_ json: [String: Any]) -> String? {
        (json["tool_choice"] as? [String: Any])?["name"] as? String
    }

    static func anthropicForm(of response: TestResponse, to request: TestRequest) -> TestResponse {
        guard let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else { return response }
        guard response.status == 200 else {
            guard body["type"] == nil, let error = body["error"] as? [String: Any] else { return response }
            var converted = anthropicError(status: response.status, type: errorType(status: response.status),
                                           message: error["message"] as? String ?? "error")
            converted.headers = response.headers
            converted.delay = response.delay
            return converted
        }
        guard let choice = (body["choices"] as? [[String: Any]])?.first,
              let content = (choice["message"] as? [String: Any])?["content"] as? String
        else { return response }
        let requestJSON = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
        let input = (try? JSONSerialization.jsonObject(with: Data(content.utf8))) as? [String: Any]
        let block: [String: Any]
        if let tool = anthropicToolName(requestJSON), let input {
            block = ["type": "tool_use", "id": "toolu_scripted", "name": tool, "input": input]
        } else {
            block = ["type": "text", "text": content]
        }
        let stopReason = choice["finish_reason"] as? String == "length" ? "max_tokens"
            : block["type"] as? String == "tool_use" ? "tool_use" : "end_turn"
        let usage = body["usage"] as? [String: Any] ?? [:]
        let prompt = usage["prompt_tokens"] as? Int ?? 0
        var converted = anthropicMessage(
            blocks: [block], model: body["model"] as? String ?? "scripted-model", stopReason: stopReason,
            usage: ["input_tokens": prompt - prompt / 10 - prompt / 5, "cache_creation_input_tokens": prompt / 10,
                    "cache_read_input_tokens": prompt / 5, "output_tokens": usage["completion_tokens"] as? Int ?? 0])
        converted.delay = response.delay
        return converted
    }

    private static func anthropicMessage(blocks: [[String: Any]], model: String, stopReason: String,
                                         usage: [String: Int]) -> TestResponse {
        let body: [String: Any] = [
            "id": "msg_scripted", "type": "message", "role": "assistant", "model": model, "content": blocks,
            "stop_reason": stopReason, "stop_sequence": NSNull(), "usage": usage,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return TestResponse(headers: [("Content-Type", "application/json")], body: Array(data))
    }

    private static func anthropicError(status: Int, type: String, message: String) -> TestResponse {
        let body: [String: Any] = ["type": "error", "error": ["type": type, "message": message]]
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return TestResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(data))
    }

    private static func errorType(status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        case 500...: "api_error"
        default: "invalid_request_error"
        }
    }
}
