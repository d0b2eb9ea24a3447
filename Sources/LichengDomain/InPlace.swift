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
    /// `self` followed by `separator` and the decimal digits of `n`, built without
    /// string interpolation (which goes through `CustomStringConvertible` and costs
    /// about a microsecond a key on the replay path).
    @inlinable
    func appending(_ separator: Unicode.Scalar, _ n: Int) -> String {
        var s = self
        s.unicodeScalars.append(separator)
        s += String(n)
        return s
    }
}
