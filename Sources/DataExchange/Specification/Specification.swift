import Foundation

/// The kinds of Data Exchange file, each with its own columns.
public enum FileKind: String, Sendable, CaseIterable, Codable {
    case accountsAndAssets = "accounts-and-assets"
    case idUpdate = "id-update"

    public var title: String {
        switch self {
        case .accountsAndAssets: "Accounts and Assets"
        case .idUpdate: "ID Update"
        }
    }

    var resourceName: String {
        switch self {
        case .accountsAndAssets: "data-exchange-columns"
        case .idUpdate: "id-update-columns"
        }
    }
}

/// The columns of one kind of Data Exchange file, read from the specification file that ships
/// with the package, and frozen into lookups for the scanner's hot path. Nothing about a column
/// is written in Swift: amend the file and the scanner follows.
public struct Specification: Sendable {
    /// How a header cell names a column.
    public enum Match: Sendable, Equatable {
        case current(Int)
        /// An older name of the column at this index.
        case alias(Int)
    }

    public let kind: FileKind
    public let version: String
    public let columns: [ColumnSpecification]
    private let matches: [String: Match]

    public init(kind: FileKind, version: String, columns: [ColumnSpecification]) throws {
        var matches: [String: Match] = [:]
        for (index, column) in columns.enumerated() {
            for (name, match) in [(column.name, Match.current(index))] + column.aliases.map({ ($0, Match.alias(index)) }) {
                guard matches.updateValue(match, forKey: name) == nil else {
                    throw DataExchangeError(.invalidSpecification, "The specification names the column \(name) twice.")
                }
            }
        }
        self.kind = kind
        self.version = version
        self.columns = columns
        self.matches = matches
    }

    /// The column a header cell names, by its current name or an alias; nil for an unknown name.
    public func match(_ name: String) -> Match? { matches[name] }

    public func index(of name: String) -> Int? {
        if case .current(let index) = matches[name] { return index }
        return nil
    }

    /// The key columns every file must have in its header and every row must fill.
    public var requiredKeyColumns: [Int] {
        columns.indices.filter { columns[$0].requirement == .key && columns[$0].component != .endpoint }
    }
}

extension Specification {
    /// Reads a specification file: a CSV with the header
    /// `column,aliases,entity,max_length,format,values,requirement,clearable,description`; of these only
    /// `column`, `max_length` and `format` are required (the ID Update file has fewer).
    public static func parse(_ bytes: some Collection<UInt8>, kind: FileKind, version: String, source: String) throws -> Specification {
        let batch = CSVTokenizer.records(in: bytes)
        guard !batch.isEmpty else {
            throw DataExchangeError(.invalidSpecification, "The specification file \(source) is empty.", path: source)
        }
        let header = batch.cells(ofRecordAt: 0).map { TextEncoding.utf8.string($0) }
        func position(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let nameAt = position("column"), let lengthAt = position("max_length"), let formatAt = position("format") else {
            throw DataExchangeError(
                .invalidSpecification,
                "The specification file \(source) needs the columns column, max_length and format; it has \(header.joined(separator: ", ")).",
                path: source)
        }
        var columns: [ColumnSpecification] = []
        for index in 1..<batch.count {
            let cells = batch.cells(ofRecordAt: index).map { TextEncoding.utf8.string($0) }
            let line = batch.records[index].line
            func cell(_ at: Int?) -> String { at.flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
            func fail(_ problem: String) -> DataExchangeError {
                DataExchangeError(.invalidSpecification, "The specification file \(source), line \(line): \(problem)", path: source)
            }
            let name = cell(nameAt)
            guard !name.isEmpty else { throw fail("a column has no name.") }
            guard let maxLength = Int(cell(lengthAt)), maxLength > 0 else {
                throw fail("max_length of \(name) is \"\(cell(lengthAt))\"; it must be a whole number above 0.")
            }
            guard let format = ValueFormat(rawValue: cell(formatAt)) else {
                throw fail("format of \(name) is \"\(cell(formatAt))\"; it must be one of \(ValueFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            let entity = cell(position("entity"))
            guard let component = entity.isEmpty ? Component.other : Component(rawValue: entity) else {
                throw fail("entity of \(name) is \"\(entity)\"; it must be one of \(Component.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            let requirementName = cell(position("requirement"))
            guard let requirement = requirementName.isEmpty ? Requirement.optional : Requirement(rawValue: requirementName) else {
                throw fail("requirement of \(name) is \"\(requirementName)\"; it must be one of \(Requirement.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            let clearable = cell(position("clearable"))
            guard ["", "yes", "no"].contains(clearable) else { throw fail("clearable of \(name) is \"\(clearable)\"; it must be yes or no.") }
            let values = cell(position("values")).split(separator: "|").map(String.init)
            if format == .enumeration && values.isEmpty { throw fail("\(name) is an enum without values.") }
            columns.append(
                ColumnSpecification(
                    name: name, aliases: cell(position("aliases")).split(separator: "|").map(String.init), component: component,
                    maxLength: maxLength, format: format, values: format == .flag && values.isEmpty ? ["Y", "N"] : values,
                    requirement: requirement, clearable: clearable == "yes", description: cell(position("description"))))
        }
        do {
            return try Specification(kind: kind, version: version, columns: columns)
        } catch let error as DataExchangeError {
            throw DataExchangeError(.invalidSpecification, "The specification file \(source): \(error.message)", path: source)
        }
    }

    /// The specification that ships with the package, read once per process.
    public static func bundled(_ kind: FileKind = .accountsAndAssets) throws -> Specification {
        switch kind {
        case .accountsAndAssets: try bundledAccountsAndAssets.get()
        case .idUpdate: try bundledIDUpdate.get()
        }
    }

    /// The version of the specification files that ship with the package.
    public static var bundledVersion: String {
        (try? String(contentsOf: resourceURL("specification-version", "txt"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
    }

    /// The non-empty lines of a text file that ships with the package.
    static func resourceLines(_ name: String, _ ext: String) -> [String] {
        ((try? String(contentsOf: resourceURL(name, ext), encoding: .utf8)) ?? "")
            .split(whereSeparator: \.isNewline).map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
    }

    private static let bundledAccountsAndAssets = loadBundled(.accountsAndAssets)
    private static let bundledIDUpdate = loadBundled(.idUpdate)

    private static func resourceURL(_ name: String, _ ext: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources")
            ?? Bundle.module.bundleURL.appendingPathComponent("Resources/\(name).\(ext)")
    }

    private static func loadBundled(_ kind: FileKind) -> Result<Specification, DataExchangeError> {
        let url = resourceURL(kind.resourceName, "csv")
        guard let data = try? Data(contentsOf: url) else {
            return .failure(DataExchangeError(.invalidSpecification, "The specification file \(url.path) cannot be read.", path: url.path))
        }
        do {
            return .success(try parse(data, kind: kind, version: bundledVersion, source: url.path))
        } catch let error as DataExchangeError {
            return .failure(error)
        } catch {
            return .failure(DataExchangeError(.invalidSpecification, "\(error)", path: url.path))
        }
    }

    /// Reads a specification file from disk, for a utility that amends its own copy.
    public static func load(contentsOf path: String, kind: FileKind = .accountsAndAssets) throws -> Specification {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataExchangeError(.unreadableFile, "The specification file \(path) cannot be read.", path: path)
        }
        return try parse(data, kind: kind, version: "\(bundledVersion) (amended: \(path))", source: path)
    }
}
