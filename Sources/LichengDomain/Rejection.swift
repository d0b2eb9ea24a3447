// Why an append was refused, in words a staff member understands.

public struct Rejection: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Rule: String, Sendable, Codable, CaseIterable {
        case authority, window, quota, state, reference, retention
        /// Item limits (description length, file types and sizes; SPEC §3).
        case itemLimit = "item-limit"
        /// The event document itself is incomplete or inconsistent.
        case input

        /// The rule's number in SPEC §4, where it has one.
        public var number: Int? {
            switch self {
            case .authority: 1
            case .window: 2
            case .quota: 3
            case .state: 4
            case .reference: 5
            case .retention: 6
            case .itemLimit, .input: nil
            }
        }
    }

    public var rule: Rule
    public var message: String

    public init(_ rule: Rule, _ message: String) { self.rule = rule; self.message = message }

    /// "Rule 3 (quota): student S1120001 has already uploaded 15 course outcomes in term 113-1; the limit is 15."
    public var description: String {
        switch rule {
        case .itemLimit: "Item limit: \(message)"
        case .input: "Invalid event: \(message)"
        default: "Rule \(rule.number!) (\(rule.rawValue)): \(message)"
        }
    }
}
