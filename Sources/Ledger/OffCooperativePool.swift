import Dispatch

/// Runs blocking or CPU-heavy work (the ledger's calls, which wait on its database; bcrypt,
/// writing a fix file, waiting for the scans under way) on a Dispatch thread, so that Swift
/// concurrency's few cooperative threads keep serving requests.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}

/// The same for work that throws.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await offCooperativePool { Result { try work() } }.get()
}
