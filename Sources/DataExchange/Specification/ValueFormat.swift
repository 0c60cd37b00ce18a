/// The formats a column's values may have (spec "Formats"). The names are those of the
/// specification file's `format` column.
public enum ValueFormat: String, Sendable, CaseIterable, Codable {
    case id, text, date, decimal, integer, latitude, longitude, flag, state, country, postal, email, phone, year
    case timezone, alert
    case enumeration = "enum"
    /// A decimal that may be negative; plain `decimal` may not (sizes, resolutions, reads, limits).
    case signedDecimal = "signed-decimal"
}

/// When a column must have a value (spec "Requirements").
public enum Requirement: String, Sendable, CaseIterable, Codable {
    /// Identifies an entity: required in the header and in every row (Endpoint_SN may be blank).
    case key
    /// Must have a value when the entity is first created; a later blank keeps the stored value.
    case notEmpty = "not-empty"
    /// A blank value is a warning when the entity is created.
    case recommended
    case optional
    /// ID Update files: one of a pair `X`, `X_new`.
    case pair
}
