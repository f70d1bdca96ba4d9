import CBrotli
import CZlib

/// The encodings a cached page is kept in, compressed once when it enters the cache.
enum ContentCoding: Sendable {
    case identity, gzip, brotli

    /// The coding to send for an `Accept-Encoding` header: brotli, then gzip, then the bytes as
    /// they are. A coding listed with `q=0` is refused; `*` accepts every coding not listed.
    static func preferred(by acceptEncoding: String?) -> ContentCoding {
        guard let acceptEncoding else { return .identity }
        var brotli: Bool?
        var gzip: Bool?
        var anyOther = false
        for element in acceptEncoding.utf8.split(separator: UInt8(ascii: ",")) {
            let parameters = element.split(separator: UInt8(ascii: ";"))
            guard let name = parameters.first.map(trimmed) else { continue }
            let accepted = !parameters.dropFirst().contains { isZeroQuality(trimmed($0)) }
            if equalsIgnoringCase(name, "br") {
                brotli = accepted
            } else if equalsIgnoringCase(name, "gzip") || equalsIgnoringCase(name, "x-gzip") {
                gzip = accepted
            } else if name.elementsEqual("*".utf8) {
                anyOther = accepted
            }
        }
        if brotli ?? anyOther { return .brotli }
        if gzip ?? anyOther { return .gzip }
        return .identity
    }

    private static func trimmed(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return bytes[bytes.endIndex...]
        }
        return bytes[first...last]
    }

    private static func equalsIgnoringCase(_ bytes: Substring.UTF8View.SubSequence, _ lowercase: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return bytes.count == expected.count && zip(bytes, expected).allSatisfy { ($0 | 0x20) == $1 }
    }

    /// `q=0`, `q=0.`, `q=0.000`: the coding is not acceptable.
    private static func isZeroQuality(_ parameter: Substring.UTF8View.SubSequence) -> Bool {
        guard parameter.count >= 3, parameter.first.map({ $0 | 0x20 }) == UInt8(ascii: "q"),
              parameter.dropFirst().first == UInt8(ascii: "=") else { return false }
        let value = parameter.dropFirst(2)
        return value.first == UInt8(ascii: "0")
            && value.dropFirst().allSatisfy { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "0") }
    }
}

/// One-shot compression and checksums of a whole page, through zlib and libbrotli.
enum PageCompression {
    /// Compression runs once per page per change, on the request that missed: the strongest
    /// settings that stay within a few milliseconds for a large page (brotli's 10 and 11 take
    /// ten times longer for a few percent).
    static let gzipLevel: Int32 = 9
    static let brotliQuality: Int32 = 9

    static func gzip(_ bytes: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard kawaraban_deflate_init_gzip(&stream, gzipLevel) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))))
        let result = input.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                stream.next_in = input.baseAddress
                stream.avail_in = uInt(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(output.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { return nil }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    static func brotli(_ bytes: [UInt8]) -> [UInt8]? {
        var size = BrotliEncoderMaxCompressedSize(bytes.count)
        guard size > 0 else { return nil }
        var output = [UInt8](repeating: 0, count: size)
        let done = output.withUnsafeMutableBufferPointer { output in
            bytes.withUnsafeBufferPointer { input in
                BrotliEncoderCompress(brotliQuality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, input.count, input.baseAddress,
                                      &size, output.baseAddress)
            }
        }
        guard done == BROTLI_TRUE else { return nil }
        output.removeLast(output.count - size)
        return output
    }

    /// CRC-32 and Adler-32 of the bytes with their length: the same bytes give the same tag in
    /// every process, so tags stay valid behind a load balancer and across restarts.
    static func checksum(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { buffer in
            let crc = crc32(0, buffer.baseAddress, uInt(buffer.count))
            let adler = adler32(1, buffer.baseAddress, uInt(buffer.count))
            return String(crc, radix: 16) + String(adler, radix: 16) + "-" + String(buffer.count, radix: 16)
        }
    }
}
