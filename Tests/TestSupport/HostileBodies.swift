import Foundation

/// Bodies that try to exhaust a client.
public enum HostileBodies {
    /// 64 MiB of zeros, gzip-compressed to 64 KiB: served with `Content-Encoding: gzip`, a client
    /// that inflates without a limit runs out of memory.
    public static func gzipBomb() throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Resources/zeros-64MiB", withExtension: "gz") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return Array(try Data(contentsOf: url))
    }

    /// A response that serves the bomb.
    public static func gzipBombResponse(contentType: String) throws -> TestResponse {
        TestResponse(headers: [("Content-Type", contentType), ("Content-Encoding", "gzip")], body: try gzipBomb())
    }
}
