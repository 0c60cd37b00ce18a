/// What a person may do. Each role can do everything the roles after it can.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Manages users and settings, and does everything an importer does.
    case admin
    /// Drops files, approves and cancels imports.
    case importer
    /// Reads everything, changes nothing.
    case auditor

    /// The role may drop files, approve and cancel imports.
    public var canImport: Bool { self == .admin || self == .importer }
    /// The role may add, disable and reset users.
    public var canManageUsers: Bool { self == .admin }
    /// The role may set approval policies and register webhooks.
    public var canChangeSettings: Bool { self == .admin }
    /// The role may take back an imported import (`Ledger.revert`).
    public var canRevertImports: Bool { self == .admin }
}
