import Foundation

/// The shared test data beside the repository (`../shared/corpus/NAME`). A test may be compiled
/// through a package that links to the sources, so the directories above both the file's path as
/// written and its path with links resolved are searched.
public enum SharedCorpus {
    /// The corpus folder, recognised by `marker`, a file it must hold; nil when it is not there.
    public static func locate(_ name: String, marker: String, from filePath: String = #filePath) -> URL? {
        let here = URL(fileURLWithPath: filePath)
        for start in [here, here.resolvingSymlinksInPath()] {
            var directory = start.deletingLastPathComponent()
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("shared/corpus/\(name)")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(marker).path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }
}
