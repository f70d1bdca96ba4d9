#if FUZZING
import CLibFuzzer
import Foundation

/// Hands the process to libFuzzer, which calls back with each input it generates.
enum LibFuzzer {
    /// The callback is a C function and cannot capture, so the target is set once before the run.
    nonisolated(unsafe) private static var target: FuzzTarget?

    static func run(_ selected: FuzzTarget, libFuzzerArguments: [String]) -> Int32 {
        target = selected
        var argumentStrings = ([CommandLine.arguments[0]] + libFuzzerArguments).map { strdup($0) }
        argumentStrings.append(nil)
        var count = Int32(argumentStrings.count - 1)
        return argumentStrings.withUnsafeMutableBufferPointer { buffer in
            var argv = buffer.baseAddress
            return LLVMFuzzerRunDriver(&count, &argv) { bytes, size in
                LibFuzzer.target?.run(bytes.map { Data(bytes: $0, count: size) } ?? Data())
                return 0
            }
        }
    }
}
#endif
