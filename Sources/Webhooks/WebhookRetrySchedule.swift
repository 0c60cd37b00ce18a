import Foundation

/// When a failed delivery is tried again: after each delay in turn, then after the last one
/// again and again, until `giveUpAfter` has passed since the first attempt.
public struct WebhookRetrySchedule: Sendable {
    public var delays: [Duration]
    public var giveUpAfter: Duration

    public init(delays: [Duration], giveUpAfter: Duration) {
        precondition(!delays.isEmpty, "A retry schedule needs at least one delay.")
        self.delays = delays
        self.giveUpAfter = giveUpAfter
    }

    /// 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, 1 h, then hourly, for a day.
    public static let standard = WebhookRetrySchedule(
        delays: [.seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(1800), .seconds(3600)], giveUpAfter: .seconds(86_400))

    /// When to try again after attempt `attempt` (from 1) failed at `now`; nil to give up.
    public func nextAttempt(after attempt: Int, firstAttemptAt: Date, now: Date) -> Date? {
        let next = now.addingTimeInterval(Self.seconds(delays[min(max(attempt, 1), delays.count) - 1]))
        return next <= firstAttemptAt.addingTimeInterval(Self.seconds(giveUpAfter)) ? next : nil
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
