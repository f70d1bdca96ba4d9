import Foundation

/// Bodies that try to exhaust a client.
public enum HostileBodies {
    /// 64 MiB of zeros, gzip-compressed to 64 KiB and served with `Content-Encoding: gzip`: a client
    /// that inflates without a limit runs out of memory.
    public static func gzipBombResponse(contentType: String) throws -> TestResponse {
        guard let url = Bundle.module.url(forResource: "Resources/zeros-64MiB", withExtension: "gz") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return TestResponse(headers: [("Content-Type", contentType), ("Content-Encoding", "gzip")],
                            body: Array(try Data(contentsOf: url)))
    }
}
