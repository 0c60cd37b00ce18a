/// Says that one process is scanning or approving an import, whichever server it runs on
/// (docs/decisions/0025). Held until it is released; a process that ends, however it ends, loses
/// its leases, so an import uploaded but not scanned whose scan lease nobody holds was
/// interrupted, and so was an approval begun whose lease nobody holds.
protocol WorkLease: AnyObject {}

/// What a lease is taken for.
enum LeasedWork: String, Sendable {
    case scanning, approving
    /// Sending a webhook's delivery, keyed by the delivery's id: one server sends it, not all.
    case delivering
    /// Taking one file of an inbox folder, keyed by the import id derived from the file: of
    /// several servers watching one shared folder, one takes it.
    case intake
}
