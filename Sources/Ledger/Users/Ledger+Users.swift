import Foundation

extension Ledger {
    /// Everyone who was given access, disabled people included, by name.
    public func users() throws -> [UserAccount] {
        try storage.users()
    }

    /// The user with this e-mail (case does not matter), if any.
    public func user(email: String) throws -> UserAccount? {
        try storage.user(email: email)
    }

    public func user(id: UUID) throws -> UserAccount {
        guard let user = try storage.user(id: id) else { throw LedgerError(.notFound, "There is no user \(id.lowercasedString).") }
        return user
    }

    /// Gives a person access. `passwordHash` is a bcrypt hash: the ledger never sees a password.
    @discardableResult
    public func createUser(name: String, email: String, role: Role, passwordHash: String, actor: Actor) throws -> UserAccount {
        let name = name.trimmingCharacters(in: .whitespaces), email = email.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw LedgerError(.invalidState, "A user needs a name.") }
        guard email.contains("@"), !email.contains(" ") else { throw LedgerError(.invalidState, "\(email) is not an e-mail address.") }
        guard try user(email: email) == nil else { throw LedgerError(.invalidState, "\(email) already has access.") }
        let id = UUID()
        let stream = UserAccount.stream(id)
        try recordUserEvent(UserCreated(userID: id, name: name, email: email, role: role), stream: stream, actor: actor, expecting: .noStream,
                            credential: Credential(userID: id, passwordHash: passwordHash))
        return try user(id: id)
    }

    /// Withdraws a person's access, and signs them out everywhere; what they did stays in the log.
    public func disableUser(_ id: UUID, actor: Actor) throws {
        let account = try user(id: id)
        guard !account.disabled else { throw LedgerError(.invalidState, "\(account.email) is already disabled.") }
        // Signed out first: a failure after that leaves them signed out, never still signed in.
        try storage.deleteSessions(of: id)
        try recordUserEvent(UserDisabled(userID: id), stream: UserAccount.stream(id), actor: actor)
    }

    /// Replaces a person's password hash and ends their sessions, from the web or the command line.
    public func resetPassword(_ id: UUID, passwordHash: String, actor: Actor) throws {
        _ = try user(id: id)
        try storage.deleteSessions(of: id)
        try recordUserEvent(PasswordReset(userID: id), stream: UserAccount.stream(id), actor: actor, credential: Credential(userID: id, passwordHash: passwordHash))
    }

    /// Records a sign-in, for the audit trail.
    public func recordSignIn(_ account: UserAccount, via: Actor.Via, clientAddress: String?) throws {
        try recordUserEvent(SignedIn(userID: account.id, clientAddress: clientAddress), stream: UserAccount.stream(account.id),
                            actor: Actor(name: account.name, email: account.email, via: via))
    }

    /// Records a refused sign-in, or `repeats` counted ones, for the audit trail: in the user's
    /// stream when the e-mail names one.
    public func recordFailedSignIn(email: String, reason: String, via: Actor.Via, clientAddress: String?, repeats: SignInFailed.Repeats? = nil) throws {
        let account = try user(email: email)
        let stream = account.map { UserAccount.stream($0.id) } ?? UsersProjection.unknownUserStream
        let payload = SignInFailed(userID: account?.id, email: email, reason: reason, clientAddress: clientAddress, repeats: repeats)
        try recordUserEvent(payload, stream: stream,
                            actor: Actor(name: account?.name ?? email, email: email, via: via))
    }

    /// Appends one user event and brings every projection along, the users table included, in
    /// one transaction.
    private func recordUserEvent<Payload: EventPayload>(
        _ payload: Payload, stream: String, actor: Actor, expecting: ExpectedVersion = .any, credential: Credential? = nil
    ) throws {
        try record([try coder.event(payload, stream: stream, metadata: EventMetadata(actor: actor))], expecting: [stream: expecting], credential: credential)
    }
}
