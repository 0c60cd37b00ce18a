import Dispatch
import Synchronization

/// A few connections to one database, shared by the threads of a process: each call to
/// `withConnection` has one to itself. Its calls block (waiting for a free connection, then for
/// the server), so the server makes them off Swift's cooperative threads.
final class PostgreSQLPool: Sendable {
    let target: String
    let maximumConnections: Int
    private let url: String
    private let idle: Mutex<[Lent]>
    /// One permit per connection that may be open.
    private let permits: DispatchSemaphore
    private let opened = Atomic<Int>(0)

    /// Opens one connection at once, so that a wrong URL or a server that is down is reported here
    /// rather than at the first query.
    init(url: String, maximumConnections: Int = 4) throws {
        precondition(maximumConnections > 0)
        self.url = url
        self.maximumConnections = maximumConnections
        target = PostgreSQLConnectionTarget(url).description
        permits = DispatchSemaphore(value: maximumConnections)
        let first = try PostgreSQLConnection(url: url)
        opened.add(1, ordering: .relaxed)
        idle = Mutex([Lent(connection: first)])
    }

    /// How many connections the pool has opened in all, replacing the ones that broke.
    var connectionsOpened: Int { opened.load(ordering: .relaxed) }

    /// Runs `body` with a connection of its own, waiting for one when all are in use. A
    /// connection the server closed is replaced by a new one before `body` sees it; one that
    /// breaks during `body` is dropped when it returns.
    func withConnection<Value>(_ body: (PostgreSQLConnection) throws -> Value) throws -> Value {
        permits.wait()
        defer { permits.signal() }
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try body(connection)
    }

    /// A connection outside the pool, for what must hold one for long and lose what it holds when
    /// it closes: a lease's session-level lock.
    func connectionOfItsOwn() throws -> PostgreSQLConnection {
        try PostgreSQLConnection(url: url)
    }

    private func checkOut() throws -> PostgreSQLConnection {
        while let lent = idle.withLock({ $0.popLast() }) {
            if lent.connection.isUsable { return lent.connection }
        }
        let connection = try PostgreSQLConnection(url: url)
        opened.add(1, ordering: .relaxed)
        return connection
    }

    private func checkIn(_ connection: PostgreSQLConnection) {
        // A body that began a transaction by hand and did not end it must not hand it on.
        if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
        guard connection.isUsable else { return }
        idle.withLock { $0.append(Lent(connection: connection)) }
    }

    /// A connection in the pool's keeping. The pool hands each to one caller at a time, under its
    /// lock; the compiler cannot see that `withConnection`'s body keeps no reference to it.
    private struct Lent: @unchecked Sendable {
        let connection: PostgreSQLConnection
    }
}
