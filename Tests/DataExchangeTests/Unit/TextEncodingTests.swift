import DataExchange
import Testing

@Suite struct TextEncodingTests {
    static func isValid(_ bytes: [UInt8], chunk: Int = 1 << 20) -> Bool {
        var validator = UTF8Validator()
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let end = min(start + chunk, buffer.count)
                validator.consume(UnsafeBufferPointer(rebasing: buffer[start..<end]))
                start = end
            }
        }
        validator.finish()
        return validator.isValid
    }

    @Test(arguments: [
        (Array("plain ASCII, long enough to use the word loop".utf8), true),
        (Array("Müller, Zoë, 東京, 🚰".utf8), true),
        ([0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72], false),  // Müller in Windows-1252
        ([0xC0, 0x80], false),  // overlong
        ([0xED, 0xA0, 0x80], false),  // surrogate
        ([0xF4, 0x90, 0x80, 0x80], false),  // above U+10FFFF
        ([0x80], false),  // lone continuation
        ([0xE2, 0x82], false),  // cut at the end
    ])
    func utf8Validity(_ bytes: [UInt8], _ valid: Bool) {
        for chunk in [1, 2, 3, 1 << 20] {
            #expect(Self.isValid(bytes, chunk: chunk) == valid, "chunk \(chunk)")
        }
    }

    @Test func windows1252DecodesAccentsAndTheEuro() {
        #expect(TextEncoding.windows1252.string([0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72]) == "Müller")
        #expect(TextEncoding.windows1252.string([0x80, 0x20, 0x93, 0x71, 0x94]) == "€ \u{201C}q\u{201D}")
    }

    @Test func charactersAreCountedNotBytes() {
        let text = Array("Zoë 東京".utf8)
        #expect(text.withUnsafeBufferPointer { TextEncoding.utf8.characterCount($0) } == 6)
        #expect([UInt8]([0x4D, 0xFC]).withUnsafeBufferPointer { TextEncoding.windows1252.characterCount($0) } == 2)
    }
}
