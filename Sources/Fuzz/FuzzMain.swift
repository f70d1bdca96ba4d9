import Foundation

/// `kawaraban-fuzz TARGET ARGUMENTS…`: built with `-DFUZZING` and `-sanitize=fuzzer` the arguments
/// go to libFuzzer; built normally they are input files or directories to replay.
@main
enum FuzzMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            exit(fail("usage: kawaraban-fuzz \(FuzzTarget.choices) \(usage)"))
        }
        #if FUZZING
        exit(LibFuzzer.run(target, libFuzzerArguments: Array(arguments.dropFirst())))
        #else
        guard arguments.count > 1 else { exit(fail("usage: kawaraban-fuzz \(FuzzTarget.choices) \(usage)")) }
        exit(Replay.run(target, paths: Array(arguments.dropFirst())))
        #endif
    }

    #if FUZZING
    static let usage = "[LIBFUZZER OPTIONS] [CORPUS DIRECTORY…]"
    #else
    static let usage = "FILE|DIRECTORY…"
    #endif

    static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        return 1
    }
}
