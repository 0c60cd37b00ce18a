/// Says that one process is scanning or approving an import, whichever server it runs on
/// (docs/decisions/0025). Held until it is released; a process that ends, however it ends, loses
/// its leases, so an import uploaded but not scanned whose scan lease nobody holds was
/// interrupted, and so was an approval begun whose lease nobody holds.
protocol WorkLease: AnyObject {}

/// What a lease is taken for.
enum LeasedWork: String, Sendable {
    case scanning, approving
}
