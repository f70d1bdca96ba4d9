import Fetching

/// A command's source given as an http(s) URL rather than a file.
enum SourceAddress {
    static func isWebAddress(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }

    /// Fetched through the collector's limits and allow list; a failed fetch or a status outside
    /// 2xx ends the command with the reason.
    static func fetch(_ address: String, accept: String, options: GlobalOptions) async throws -> FetchResponse {
        let fetcher = Fetcher(policy: try options.settings().fetchPolicy)
        let response: FetchResponse
        do {
            response = try await fetcher.fetch(FetchRequest(url: address, accept: accept))
        } catch {
            throw CommandFailure("\(address): \(error)")
        }
        guard response.isSuccess else { throw CommandFailure("\(address): \(FetchError.httpStatus(response.status))") }
        return response
    }
}
