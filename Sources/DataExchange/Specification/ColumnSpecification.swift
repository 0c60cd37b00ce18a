import Foundation

/// One column of a Data Exchange file, as the specification file describes it.
public struct ColumnSpecification: Sendable, Equatable {
    public var name: String
    /// Older names still accepted, with a warning naming `name`.
    public var aliases: [String]
    public var component: Component
    /// In characters (Unicode scalar values), not bytes.
    public var maxLength: Int
    public var format: ValueFormat
    /// The allowed values of an `enum` or `flag` column, in the case they are stored in.
    public var values: [String]
    public var requirement: Requirement
    /// Whether `_CLEAR_` may erase a stored value.
    public var clearable: Bool
    public var description: String

    public init(
        name: String, aliases: [String] = [], component: Component, maxLength: Int, format: ValueFormat,
        values: [String] = [], requirement: Requirement, clearable: Bool, description: String = ""
    ) {
        self.name = name
        self.aliases = aliases
        self.component = component
        self.maxLength = maxLength
        self.format = format
        self.values = values
        self.requirement = requirement
        self.clearable = clearable
        self.description = description
    }

    /// A valid value as the ledger stores it: an enum or flag in its listed case, anything else
    /// as written.
    public func storedValue(_ value: String) -> String {
        guard format == .enumeration || format == .flag, !value.isEmpty, !values.contains(value) else { return value }
        return values.first { $0.caseInsensitiveCompare(value) == .orderedSame } ?? value
    }
}
