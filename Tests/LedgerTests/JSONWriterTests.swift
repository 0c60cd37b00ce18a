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

    @Test func aNewEntityWrittenFromItsEncodedFieldsIsWhatTheEncoderWrites() throws {
        let fields = ["Name": "Zoë \\ \"x\"", "City": "Tab\there", "A": ""]
        let created = AppliedRecord(importID: UUID(), record: 3, line: 4, position: 9, changes: [.created(kind: .location, key: "L/1", fields: FieldsCodec.encode(fields).map { $0 })])
        let applied = RecordApplied(
            importID: created.importID, record: 3, line: 4,
            changes: [EntityChange(kind: .location, key: "L/1", created: true, fields: fields.mapValues { FieldChange(old: nil, new: $0) })])
        var json = JSONWriter()
        created.write(to: &json)
        var expected = JSONWriter()
        applied.write(to: &expected)
        #expect(json.bytes == expected.bytes)
        #expect(try JSONDecoder().decode(RecordApplied.self, from: json.data) == applied)
    }

    @Test func fieldsAppendedInNameOrderAreWhatTheCodecEncodes() throws {
        // Known names are stored by number, others whole.
        let fields = ["b": "2", "Meter_Size": "5/8", "a": "1", "c": "", "Account_ID": "Zoë"]
        var builder = FieldsCodec.Builder()
        for name in fields.keys.sorted() { builder.append(FieldsCodec.Name(name), value: fields[name]!) }
        let bytes = builder.encoded
        #expect(Data(bytes) == FieldsCodec.encode(fields))
        #expect(FieldsCodec.encode(["Meter_Size": "x"]).count < "Meter_Size".utf8.count)
        #expect(FieldsCodec.decode(bytes) == fields)
        #expect(FieldsCodec.value(of: "b", in: bytes) == "2" && FieldsCodec.value(of: "z", in: bytes) == nil)
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
