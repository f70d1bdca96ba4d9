import Foundation
import KawarabanCore
#if canImport(Glibc)
import Glibc
#endif

/// Bytes from the web as text. The charset comes from the Content-Type header, else from the
/// document's own declaration near the top, else UTF-8; undecodable bytes become U+FFFD.
public enum TextDecoding {
    public static func decode(_ data: Data, contentType: String?) -> String {
        let label = contentType.flatMap(charset(inHeader:)) ?? CharsetDeclaration.find(in: data)
        // Valid UTF-8 with multibyte sequences is UTF-8, whatever a label claims: servers mislabel.
        // Plain 7-bit bytes follow the label, which matters for ISO-2022-JP.
        if let utf8 = String(validatingUTF8: data), label == nil || data.contains(where: { $0 >= 0x80 }) { return utf8 }
        if let label, let text = convert(data, from: label) { return text }
        return String(decoding: data, as: UTF8.self)
    }

    static func charset(inHeader value: String) -> String? {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "charset" {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'")).lowercased()
            }
        }
        return nil
    }

    /// iconv knows every charset the web uses, EUC-JP included, which Foundation on Linux does not.
    static func convert(_ data: Data, from charset: String) -> String? {
        let converter = iconv_open("UTF-8", charset)
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = [CChar](repeating: 0, count: data.count)
        data.withUnsafeBytes { bytes in
            for (index, byte) in bytes.enumerated() { input[index] = CChar(bitPattern: byte) }
        }
        var output = [CChar](repeating: 0, count: data.count * 4 + 16)
        var result = Data()
        input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer = inputBuffer.baseAddress
                var inLeft = inputBuffer.count
                while inLeft > 0 {
                    var outPointer = outputBuffer.baseAddress
                    var outLeft = outputBuffer.count
                    let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                    let produced = outputBuffer.count - outLeft
                    result.append(UnsafeRawBufferPointer(start: outputBuffer.baseAddress, count: produced).bindMemory(to: UInt8.self))
                    if status == -1 {
                        if errno == E2BIG { continue }
                        // An invalid byte: mark it and go on, so one bad byte never loses the page.
                        guard errno == EILSEQ || errno == EINVAL, inLeft > 0 else { break }
                        result.append(contentsOf: Array("\u{FFFD}".utf8))
                        inPointer = inPointer?.advanced(by: 1)
                        inLeft -= 1
                    }
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

private extension String {
    init?(validatingUTF8 data: Data) {
        guard let text = String(data: data, encoding: .utf8) else { return nil }
        self = text
    }
}
