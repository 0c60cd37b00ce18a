import DataExchange
import Foundation
import Testing
import TestSupport

/// The specification is data: loaded from the file that ships with the package, amendable.
@Suite struct SpecificationTests {
    /// The file in the repository is the source of truth: what the package bundles is that file,
    /// every column once, in its order.
    @Test func theBundledSpecificationIsTheFileInTheRepository() throws {
        let specification = try Specification.bundled()
        let file = repositoryRoot.appendingPathComponent("Sources/DataExchange/Resources/data-exchange-columns.csv")
        let batch = CSVTokenizer.records(in: try Data(contentsOf: file))
        #expect(batch.cells(ofRecordAt: 0).map { String(decoding: $0, as: UTF8.self) } == [
            "column", "aliases", "entity", "max_length", "format", "values", "requirement", "clearable", "description",
        ])
        let names = (1..<batch.count).map { String(decoding: batch.cells(ofRecordAt: $0)[0], as: UTF8.self) }
        #expect(specification.columns.map(\.name) == names)
        #expect(names.count == 96 && Set(names).count == names.count)
        #expect(names.first == "Account_ID" && names.last == "Utility_Use_2")
        #expect(specification.columns.allSatisfy { !$0.description.isEmpty })
        #expect(specification.columns.filter { $0.requirement == .key }.map(\.name) == ["Account_ID", "Location_ID", "Service_Point_ID", "Meter_ID", "Endpoint_SN"])
        // Keys, not-empty fields, dates and reads must keep a value (spec rule 7).
        #expect(specification.columns.filter { $0.requirement == .key || $0.requirement == .notEmpty || $0.format == .date }.allSatisfy { !$0.clearable })
        #expect(specification.version == Specification.bundledVersion)
        let resolution = try #require(specification.index(of: "Register_Resolution"))
        #expect(specification.match("Meter_Resolution") == .alias(resolution))
        #expect(specification.requiredKeyColumns.map { specification.columns[$0].name } == ["Account_ID", "Location_ID", "Service_Point_ID", "Meter_ID"])
    }

    @Test func theIDUpdateSpecificationLoadsToo() throws {
        let specification = try Specification.bundled(.idUpdate)
        #expect(specification.columns.map(\.name) == [
            "Account_ID", "Account_ID_new", "Location_ID", "Location_ID_new", "Service_Point_ID", "Service_Point_ID_new", "Meter_ID", "Meter_ID_new",
        ])
        #expect(specification.columns.allSatisfy { $0.format == .id && $0.requirement == .pair })
    }

    @Test func theCSVRenderingReadsBackTheSame() throws {
        let specification = try Specification.bundled()
        let again = try Specification.parse(Array(specification.csv.utf8), kind: .accountsAndAssets, version: "x", source: "rendered")
        #expect(again.columns == specification.columns)
        #expect(specification.markdown.components(separatedBy: "\n").filter { $0.hasPrefix("| `") }.count == specification.columns.count)
    }

    @Test func theTemplateIsTheHeaderInSpecificationOrder() throws {
        let specification = try Specification.bundled()
        let batch = CSVTokenizer.records(in: Array(specification.template.utf8))
        #expect(batch.count == 1)
        #expect(batch.cells(ofRecordAt: 0).map { String(decoding: $0, as: UTF8.self) } == specification.columns.map(\.name))
        let (summary, collected) = try scan(specification.template)
        #expect(collected.codes == [.noRecords] && summary.isImportable)
    }

    /// The shipped file with `edit` applied to its text, loaded from disk as a utility would.
    static func amended(_ edit: (String) -> String) throws -> Specification {
        let specification = try Specification.bundled()
        let folder = try TemporaryFolder("ledger-tests")
        defer { folder.remove() }
        let path = folder.appendingPathComponent("amended.csv").path
        try edit(specification.csv).write(toFile: path, atomically: true, encoding: .utf8)
        return try Specification.load(contentsOf: path)
    }

    @Test func anAmendedSpecificationChangesWhatTheScannerChecks() throws {
        let file = DXFile.one(["Meter_Size": "0.625", "Meter_Size_Unit": "FT", "Location_Address_Line2": "_CLEAR_"])
        #expect(try scan(file).collected.codes == [.invalidValue])
        let amended = try Self.amended {
            $0.replacingOccurrences(of: "Meter_Size,,Meter,10,", with: "Meter_Size,,Meter,3,")
                .replacingOccurrences(of: "IN|MM", with: "IN|MM|FT")
                .replacingOccurrences(of: "Location_Address_Line2,,Location,64,text,,optional,yes", with: "Location_Address_Line2,,Location,64,text,,optional,no")
        }
        #expect(try scan(file, specification: amended).collected.codes.sorted { $0.rawValue < $1.rawValue } == [.clearNotAllowed, .tooLong])
    }

    @Test(arguments: [
        ("Meter_Size,,Meter,10,decimal,", "Meter_Size,,Meter,ten,decimal,", "max_length of Meter_Size is \"ten\""),
        ("Meter_Size,,Meter,10,decimal,", "Meter_Size,,Meter,10,fraction,", "format of Meter_Size is \"fraction\""),
        ("Meter_Size_Unit,,Meter,6,enum,IN|MM,", "Meter_Size_Unit,,Meter,6,enum,,", "Meter_Size_Unit is an enum without values"),
        ("Meter_Size,,Meter,10,", "Meter_Model,,Meter,10,", "names the column Meter_Model twice"),
        ("Fluid_Type,,Meter,", "Fluid_Type,,Gadget,", "entity of Fluid_Type is \"Gadget\""),
    ])
    func aBrokenSpecificationFileSaysWhereAndWhat(_ from: String, _ to: String, _ message: String) throws {
        let error = try #require(throws: DataExchangeError.self) { try Self.amended { $0.replacingOccurrences(of: from, with: to) } }
        #expect(error.code == .invalidSpecification)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func everyCodeIsDocumentedAndTheDocumentIsCurrent() throws {
        let document = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/exceptions.md"), encoding: .utf8)
        #expect(document == ExceptionCode.documentation, "regenerate it: swift run ledger codes > docs/exceptions.md")
        for code in ExceptionCode.allCases {
            #expect(document.contains("| `\(code.rawValue)` |"))
        }
    }
}
