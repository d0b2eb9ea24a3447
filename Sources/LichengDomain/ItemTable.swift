// A student's items: kept in upload order in one array, found by ID.

/// The items of one student in upload order, looked up by item ID (its bytes, as `ID` compares). A `[String: Item]` keeps
/// a hash table of whole `Item`s (80 bytes each) at most three-quarters full, and a
/// separate list for the order; here the items sit once, in order. A student has a few dozen
/// items: up to `scanLimit` of them are found by comparing IDs from the newest back (no hash
/// table to allocate, grow and hash into); a larger table keeps a hash table of positions.
public struct ItemTable: Sendable, Equatable, Codable, RandomAccessCollection {
    /// The items in upload order.
    public private(set) var values: [Item] = []
    /// Item ID → position in `values`; empty while `values` has at most `scanLimit` items.
    private var positions: [ID: Int32] = [:]
    /// The most items found by a scan.
    static let scanLimit = 64

    public init() {}

    /// The items in this order (a later item replaces an earlier one of the same ID).
    public init(_ items: [Item]) {
        for item in items { add(item) }
    }

    public var startIndex: Int { values.startIndex }
    public var endIndex: Int { values.endIndex }
    public subscript(position: Int) -> Item { values[position] }

    public var keys: [String] { values.map(\.itemId) }

    /// How many positions the index has room for before it grows (for memory estimates).
    public var indexCapacity: Int { positions.capacity }

    /// Where the item with this ID is in `values` (its position never changes while no item is
    /// removed).
    public func position(of id: String) -> Int? {
        guard values.count > ItemTable.scanLimit else { return values.lastIndex { ID.sameBytes($0.itemId, id) } }
        return positions[ID(id)].map { Int($0) }
    }

    /// Builds or rebuilds the positions of a table larger than `scanLimit` (drops them below).
    private mutating func reindex() {
        positions = [:]
        guard values.count > ItemTable.scanLimit else { return }
        positions.reserveCapacity(values.count * 2)
        for (i, item) in values.enumerated() { positions[ID(item.itemId)] = Int32(i) }
    }

    public func contains(_ id: String) -> Bool { position(of: id) != nil }

    /// The item with this ID. Setting an item of a new ID adds it at the end of the upload
    /// order; setting nil removes it.
    public subscript(id: String) -> Item? {
        get { position(of: id).map { values[$0] } }
        set {
            switch (position(of: id), newValue) {
            case (let p?, let item?):
                values[p] = item
            case (nil, let item?):
                add(item)
            case (let p?, nil):
                values.remove(at: p)
                reindex()
            case (nil, nil):
                break
            }
        }
    }

    /// Adds an item at the end of the upload order (replaces the item of its ID, if any).
    public mutating func add(_ item: consuming Item) {
        if let p = position(of: item.itemId) {
            values[p] = item
            return
        }
        append(item)
    }

    /// Adds an item whose ID the table does not hold (the caller has just looked: a scan
    /// that finds nothing reads every item, so an upload does not pay for a second one).
    mutating func addNew(_ item: consuming Item) {
        assert(position(of: item.itemId) == nil, "ItemTable.addNew: item \(item.itemId) is already here")
        append(item)
    }

    private mutating func append(_ item: consuming Item) {
        // Grown by a quarter (at least 4), not doubled: a full replay holds every student's
        // table, and doubling leaves a quarter of them empty on average.
        if values.count == values.capacity { values.reserveCapacity(values.count + Swift.max(4, values.count / 4)) }
        values.append(item)
        if values.count == ItemTable.scanLimit + 1 {
            reindex()
        } else if values.count > ItemTable.scanLimit + 1 {
            positions[ID(values[values.count - 1].itemId)] = Int32(values.count - 1)
        }
    }

    /// Runs `body` on the stored item with this ID, if there is one, and returns its result
    /// (nil when there is no such item). The item's ID must not change.
    @discardableResult
    public mutating func modifyValue<R>(forKey id: String, _ body: (inout Item) throws -> R) rethrows -> R? {
        guard let p = position(of: id) else { return nil }
        return try body(&values[p])
    }

    /// Runs `body` on the item at `position` and returns its result. The item's ID must not change.
    @discardableResult
    mutating func modify<R>(at position: Int, _ body: (inout Item) throws -> R) rethrows -> R {
        try body(&values[position])
    }

    /// Every item, changed in place (their IDs must not change).
    public mutating func updateEach(_ body: (inout Item) -> Void) {
        for i in values.indices { body(&values[i]) }
    }

    public static func == (a: ItemTable, b: ItemTable) -> Bool { a.values == b.values }

    public init(from decoder: Decoder) throws {
        for item in try [Item](from: decoder) {
            guard !contains(item.itemId) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "item \(item.itemId) appears twice"))
            }
            add(item)
        }
    }
    public func encode(to encoder: Encoder) throws { try values.encode(to: encoder) }
}
