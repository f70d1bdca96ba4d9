import Foundation
import Testing

/// A file under Tests/FeedsTests/Resources, by its path there.
func resource(_ path: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Resources/\(path)", withExtension: nil))
    return try Data(contentsOf: url)
}
