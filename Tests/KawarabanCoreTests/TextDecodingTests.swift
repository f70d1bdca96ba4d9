import Foundation
import Testing
@testable import KawarabanCore

@Suite struct TextDecodingTests {
    let japanese = "生成AIの新モデル、日本語で首位に"

    func bytes(_ text: String, _ charset: String) throws -> Data {
        // The test writes legacy encodings with iconv too, going the other way.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", charset]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    @Test(arguments: ["SHIFT_JIS", "EUC-JP", "ISO-2022-JP"])
    func charsetFromTheHeader(charset: String) throws {
        let data = try bytes("<p>\(japanese)</p>", charset)
        #expect(TextDecoding.decode(data, contentType: "text/html; charset=\(charset.lowercased())") == "<p>\(japanese)</p>")
    }

    @Test(arguments: ["Shift_JIS", "EUC-JP"])
    func charsetFromTheMetaDeclaration(charset: String) throws {
        let page = "<html><head><meta charset=\"\(charset)\"></head><body><p>\(japanese)</p></body></html>"
        #expect(TextDecoding.decode(try bytes(page, charset), contentType: "text/html") == page)
        let httpEquiv = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=\(charset)\"><p>\(japanese)</p>"
        #expect(TextDecoding.decode(try bytes(httpEquiv, charset), contentType: nil) == httpEquiv)
    }

    /// Browsers look for `<meta charset>` in the first 1024 bytes only; a declaration further down
    /// (after a long comment or inline script) must still not leave the page unreadable.
    @Test(arguments: ["Shift_JIS", "EUC-JP"])
    func aDeclarationAfterTheFirstKilobyteStillReadsRight(charset: String) throws {
        let padding = "<!-- " + String(repeating: "layout ", count: 300) + "-->"
        let page = "<html><head>\(padding)<meta charset=\"\(charset)\"></head><body><p>\(japanese)</p></body></html>"
        #expect(page.utf8.count > 2000)
        #expect(TextDecoding.decode(try bytes(page, charset), contentType: "text/html") == page)
    }

    @Test func validUTF8WinsOverAWrongLabel() {
        #expect(TextDecoding.decode(Data(japanese.utf8), contentType: "text/html; charset=iso-8859-1") == japanese)
    }

    @Test func invalidBytesAreReplacedNotFatal() throws {
        var data = try bytes("前半", "SHIFT_JIS")
        data.append(0xFF)
        data.append(try bytes("後半", "SHIFT_JIS"))
        #expect(TextDecoding.decode(data, contentType: "text/html; charset=shift_jis") == "前半\u{FFFD}後半")
    }

    @Test func theOrderOfTrust() throws {
        let sjis = try bytes(japanese, "SHIFT_JIS")
        // A byte-order mark outranks the header.
        let utf16 = Data([0xFF, 0xFE]) + Data(japanese.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(TextDecoding.utf8Bytes(utf16, contentType: "text/xml; charset=shift_jis").charset == "utf-16le")
        #expect(TextDecoding.decode(utf16, contentType: "text/xml; charset=shift_jis") == japanese)
        // The header outranks the XML declaration, which outranks a meta charset.
        let declared = Data("<?xml version=\"1.0\" encoding=\"euc-jp\"?><meta charset=\"utf-16\">".utf8) + sjis
        #expect(TextDecoding.utf8Bytes(declared, contentType: "text/xml; charset=Shift_JIS").charset == "shift_jis")
        #expect(TextDecoding.utf8Bytes(declared, contentType: nil).charset == "euc-jp")
        // With nothing declared, the bytes say what they are.
        #expect(TextDecoding.utf8Bytes(sjis, contentType: nil).charset == "shift_jis")
        #expect(TextDecoding.utf8Bytes(try bytes(japanese, "EUC-JP"), contentType: nil).charset == "euc-jp")
        #expect(TextDecoding.utf8Bytes(Data([0x64, 0x6F, 0x6E, 0x92, 0x74]), contentType: nil) == (Data("don\u{2019}t".utf8), "windows-1252"))
    }

    /// Python's spellings (`euc_jp`, `iso2022_jp`) and typos are no charset we can read: the
    /// declaration counts as absent and the bytes say what they are, instead of coming out as U+FFFD.
    @Test(arguments: [("euc_jp", "EUC-JP"), ("iso2022_jp", "ISO-2022-JP"), ("shift-jiss", "SHIFT_JIS")])
    func anXMLEncodingLabelWeCannotReadIsIgnored(label: String, charset: String) throws {
        let document = "<?xml version=\"1.0\" encoding=\"\(label)\"?><rss><channel><title>\(japanese)</title></channel></rss>"
        let (utf8, decodedAs) = TextDecoding.utf8Bytes(try bytes(document, charset), contentType: nil)
        #expect(String(decoding: utf8, as: UTF8.self) == document)
        #expect(decodedAs == TextDecoding.canonical(charset.lowercased()))
    }

    @Test func aHeaderCharsetWeCannotReadGivesWayToTheDeclaration() throws {
        let document = "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><title>\(japanese)</title>"
        let (utf8, decodedAs) = TextDecoding.utf8Bytes(try bytes(document, "SHIFT_JIS"), contentType: "text/xml; charset=euc_jp")
        #expect(decodedAs == "shift_jis")
        #expect(String(decoding: utf8, as: UTF8.self) == document)
        #expect(!TextDecoding.isKnown("euc_jp"))
        #expect(TextDecoding.isKnown("EUC-JP") && TextDecoding.isKnown("latin1") && TextDecoding.isKnown("utf8"))
    }
}
