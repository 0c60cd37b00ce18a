import Foundation
import Testing

@testable import Ledger

@Suite struct JSONWriterTests {
    @Test func aRecordWrittenByHandIsWhatTheEncoderWrites() throws {
        let applied = RecordApplied(
            importID: UUID(), record: 12, line: 13,
            changes: [
                EntityChange(kind: .account, key: "A\"1", created: true, fields: ["Name": FieldChange(old: nil, new: "Zoë \\ /x"), "City": FieldChange(old: nil, new: "Tab\there")]),
                EntityChange(kind: .register, key: "M1:L", created: false, fields: ["Size": FieldChange(old: "1", new: nil), "Unit": FieldChange(old: "CCF", new: "GAL")]),
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var json = JSONWriter()
        applied.write(to: &json)
        #expect(String(decoding: json.bytes, as: UTF8.self) == String(decoding: try encoder.encode(applied), as: UTF8.self))
        #expect(try JSONDecoder().decode(RecordApplied.self, from: json.data) == applied)
    }

    @Test func controlCharactersAreEscaped() throws {
        var json = JSONWriter()
        json.string("a\u{1}b\"")
        #expect(String(decoding: json.bytes, as: UTF8.self) == #""a\u0001b\"""#)
        #expect(try JSONDecoder().decode(String.self, from: json.data) == "a\u{1}b\"")
    }

    @Test func digestsAreLowercaseHex() {
        #expect(Hex.string([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
    }
}
