import Logging
import NIOCore
import Synchronization

/// Bounds the connections open at once, so that clients holding connections cannot take every
/// file descriptor the process has: 20,000 idle ones once stopped `/health` answering and would
/// leave none for the database or an upload. A connection past the limit is closed as soon as it
/// is accepted, so its client learns at once instead of waiting in the kernel's queue for a place
/// the idle timeout may take a minute to free (decision 0102).
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)
    /// Set while connections are being turned away, so a flood of them is logged once, not once each.
    private let refusing = Atomic<Bool>(false)
    private let logger: Logger

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    /// The handler that admits or closes one new connection; each connection needs its own.
    func handler() -> Admission { Admission(limit: self) }

    /// Whether a newly opened connection may stay; one that may is counted until it closes.
    fileprivate func admit(_ channel: any Channel) -> Bool {
        guard open.wrappingAdd(1, ordering: .relaxed).newValue <= maximum else {
            open.wrappingSubtract(1, ordering: .relaxed)
            if !refusing.exchange(true, ordering: .relaxed) {
                logger.warning("connection limit reached: closing new connections until some close", metadata: ["limit": "\(maximum)"])
            }
            return false
        }
        refusing.store(false, ordering: .relaxed)
        channel.closeFuture.whenComplete { [self] _ in open.wrappingSubtract(1, ordering: .relaxed) }
        return true
    }

    final class Admission: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        private let limit: ConnectionLimit
        private var decided = false

        fileprivate init(limit: ConnectionLimit) { self.limit = limit }

        // The pipeline may be built before or after the connection is active.
        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { decide(context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            decide(context)
            context.fireChannelActive()
        }

        private func decide(_ context: ChannelHandlerContext) {
            guard !decided else { return }
            decided = true
            if !limit.admit(context.channel) { context.close(promise: nil) }
        }
    }
}
