import Foundation

/// Runs saved inputs (a crash reproducer, a whole corpus directory) through the same code the
/// fuzzer drives, so that a finding can be reproduced in a normal build.
enum Replay {
    static func run(_ target: FuzzTarget, paths: [String]) -> Int32 {
        var replayed = 0
        for path in paths {
            guard let files = files(at: path) else { return FuzzMain.fail("no such file: \(path)") }
            for file in files {
                guard let input = FileManager.default.contents(atPath: file) else { return FuzzMain.fail("cannot read \(file)") }
                target.run(input)
                replayed += 1
            }
        }
        print("replayed \(replayed) inputs through the \(target.rawValue) without a crash")
        return 0
    }

    /// The file itself, or every regular file directly inside a directory, in name order.
    private static func files(at path: String) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { "\(path)/\($0)" }.filter { candidate in
            var nested: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate, isDirectory: &nested) && !nested.boolValue
        }
    }
}
