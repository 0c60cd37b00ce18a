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
        let created = AppliedRecord(importID: UUID(), record: 3, line: 4, position: 9, changes: [.created(kind: .location, key: "L/1", fields: FieldsCodec.encode(fields), digest: 0)])
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
        #expect(bytes == FieldsCodec.encode(fields))
        #expect(FieldsCodec.encode(["Meter_Size": "x"]).count < "Meter_Size".utf8.count)
        #expect(FieldsCodec.decode(bytes) == fields)
        #expect(FieldsCodec.value(of: "b", in: bytes) == "2" && FieldsCodec.value(of: "z", in: bytes) == nil)
    }

    /// What a replay reads is what was written, whichever writer wrote it.
    @Test func aRecordReadBackFromItsJSONIsWrittenAgainByteForByte() throws {
        let applied = RecordApplied(
            importID: UUID(), record: 7, line: 9,
            changes: [
                EntityChange(kind: .account, key: "A\"1", created: true, fields: ["Name": FieldChange(old: nil, new: "Zoë \\ /x 🚰"), "City": FieldChange(old: nil, new: "Tab\there\u{1}")]),
                EntityChange(kind: .register, key: "M1:L", created: false, fields: ["Size": FieldChange(old: "1", new: nil), "Unit": FieldChange(old: nil, new: "GAL")]),
                EntityChange(kind: .register, key: "M2", created: false, fields: [:], previousKey: "M1"),
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var names = FieldNameCache()
        var written = JSONWriter()
        applied.write(to: &written)
        for json in [written.bytes, Array(try encoder.encode(applied))] {
            let read = try json.withUnsafeBufferPointer { try AppliedRecord(json: $0, position: 3, names: &names) }
            #expect(read.position == 3 && read.record == 7 && read.line == 9 && read.importID == applied.importID)
            #expect(read.changes.map(\.created) == [true, false, false] && read.changes.map(\.previousKey) == [nil, nil, "M1"])
            var again = JSONWriter()
            read.write(to: &again)
            #expect(again.bytes == written.bytes)
        }
    }

    /// The creations of a first import are read by `CanonicalRecordReader`; what it reads is
    /// what the general reader reads, and whatever it does not take, the general reader does.
    @Test func theCanonicalReaderReadsWhatTheGeneralReaderReads() throws {
        let importID = UUID()
        func creations(_ fields: [String: String], key: String = "L/1") -> RecordApplied {
            RecordApplied(importID: importID, record: 2, line: 3, changes: [
                EntityChange(kind: .location, key: key, created: true, fields: fields.mapValues { FieldChange(old: nil, new: $0) }),
                EntityChange(kind: .account, key: "A1", created: true, fields: ["Account_ID": FieldChange(old: nil, new: "A1")]),
            ])
        }
        func written(_ applied: RecordApplied) -> [UInt8] {
            var json = JSONWriter()
            applied.write(to: &json)
            return json.bytes
        }
        func summary(_ record: AppliedRecord) -> [String] {
            record.changes.map { change in
                switch change {
                case .created(let kind, let key, let fields, let digest): "created \(kind) \(key) \(fields) \(digest)"
                case .changed(let change): "changed \(change)"
                }
            } + ["\(record.importID) \(record.record) \(record.line) \(record.position)"]
        }
        var names = FieldNameCache()
        let plain = written(creations(["Location_City": "Boise", "Location_Address_Line1": "1 Main St", "Zeta": ""]))
        let canonical = try #require(plain.withUnsafeBufferPointer { CanonicalRecordReader.read($0, position: 5, names: &names) })
        let general = try plain.withUnsafeBufferPointer { try AppliedRecord(anyJSON: $0, position: 5, names: &names) }
        #expect(summary(canonical) == summary(general))
        #expect(summary(canonical).first?.hasPrefix("created location L/1") == true)

        let spaced = Array(String(decoding: plain, as: UTF8.self).replacingOccurrences(of: ",\"key\":", with: ", \"key\":").utf8)
        let changed = written(RecordApplied(importID: importID, record: 2, line: 3, changes: [
            EntityChange(kind: .register, key: "M1", created: false, fields: ["Meter_Size": FieldChange(old: "1", new: "2")]),
        ]))
        let renamed = written(RecordApplied(importID: importID, record: 2, line: 3, changes: [
            EntityChange(kind: .register, key: "M2", created: false, fields: [:], previousKey: "M1"),
        ]))
        for json in [written(creations(["Location_City": "Bo\"ise"])), written(creations([:], key: "L\\1")), spaced, changed, renamed,
                     Array(String(decoding: plain, as: UTF8.self).replacingOccurrences(of: importID.uuidString, with: importID.lowercasedString).utf8)] {
            #expect(json.withUnsafeBufferPointer { CanonicalRecordReader.read($0, position: 5, names: &names) } == nil, "\(String(decoding: json, as: UTF8.self))")
            let read = try json.withUnsafeBufferPointer { try AppliedRecord(json: $0, position: 5, names: &names) }
            let general = try json.withUnsafeBufferPointer { try AppliedRecord(anyJSON: $0, position: 5, names: &names) }
            #expect(summary(read) == summary(general))
        }
    }

    @Test func whatTheReaderDoesNotTakeIsAnErrorNotAGuess() throws {
        var names = FieldNameCache()
        for json in ["", "{", "[]", #"{"changes":[],"importID":"x","line":1}"#, #"{"changes":[{"created":true}],"importID":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F","line":1,"record":1}"#,
                     #"{"changes":[],"importID":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F","line":1,"record":1,"extra":2}"#, #"{"changes":[],"line":"1"}"#] {
            #expect(throws: JSONReader.Malformed.self, "\(json)") {
                try Array(json.utf8).withUnsafeBufferPointer { try AppliedRecord(json: $0, position: 1, names: &names) }
            }
        }
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
