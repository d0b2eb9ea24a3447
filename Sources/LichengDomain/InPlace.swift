// In-place changes to dictionary values on the replay path.

extension Dictionary {
    /// Runs `body` on the value for `key` where it is stored, if there is one, and returns
    /// its result (nil when the key is absent). `self[key]?.field = x` moves a large value
    /// out into a heap-allocated accessor frame and back; this hashes once and copies nothing.
    @inlinable @discardableResult
    mutating func modifyValue<R>(forKey key: Key, _ body: (inout Value) throws -> R) rethrows -> R? {
        guard let i = index(forKey: key) else { return nil }
        return try body(&values[i])
    }
}

extension String {
    /// `self`, `first` and the decimal digits of `x`, `second` and those of `y` (a course key:
    /// `C0123@113-1`), made in one buffer: no string interpolation (which goes through
    /// `CustomStringConvertible`) and no intermediate strings on the replay path.
    func appendingNumbers(_ first: UInt8, _ x: Int, _ second: UInt8, _ y: Int) -> String {
        ID.withBytes(self) { head in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: head.count + 42) { out in
                UnsafeMutableRawBufferPointer(out).copyMemory(from: head)
                var at = head.count
                at = String.put(first, x, into: out, at: at)
                at = String.put(second, y, into: out, at: at)
                return String(decoding: UnsafeBufferPointer(rebasing: out[..<at]), as: UTF8.self)
            }
        }
    }

    /// Writes `separator` and the decimal digits of `n` (21 bytes at most) at `at`; returns the end.
    private static func put(_ separator: UInt8, _ n: Int, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var at = start
        out[at] = separator; at += 1
        if n < 0 { out[at] = UInt8(ascii: "-"); at += 1 }
        var digits = 1, rest = n.magnitude
        while rest >= 10 { digits += 1; rest /= 10 }
        rest = n.magnitude
        for k in stride(from: at + digits - 1, through: at, by: -1) {
            out[k] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return at + digits
    }
}
