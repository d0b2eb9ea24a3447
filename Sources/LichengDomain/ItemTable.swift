// A student's items: kept in upload order in one array, found by ID through a small index.

/// The items of one student in upload order, looked up by item ID. A `[String: Item]` keeps
/// a hash table of whole `Item`s (about 200 bytes each) at most three-quarters full, and a
/// separate list for the order; here the items sit once, in order, and the hash table holds
/// only positions.
public struct ItemTable: Sendable, Equatable, Codable, RandomAccessCollection {
    /// The items in upload order.
    public private(set) var values: [Item] = []
    /// Item ID → position in `values`.
    private var positions: [String: Int32] = [:]

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

    public func contains(_ id: String) -> Bool { positions[id] != nil }

    /// The item with this ID. Setting an item of a new ID adds it at the end of the upload
    /// order; setting nil removes it.
    public subscript(id: String) -> Item? {
        get { positions[id].map { values[Int($0)] } }
        set {
            switch (positions[id], newValue) {
            case (let p?, let item?):
                values[Int(p)] = item
            case (nil, let item?):
                add(item)
            case (let p?, nil):
                values.remove(at: Int(p))
                positions[id] = nil
                for i in Int(p)..<values.count { positions[values[i].itemId] = Int32(i) }
            case (nil, nil):
                break
            }
        }
    }

    /// Adds an item at the end of the upload order (replaces the item of its ID, if any).
    public mutating func add(_ item: Item) {
        if let p = positions.updateValue(Int32(values.count), forKey: item.itemId) {
            positions[item.itemId] = p
            values[Int(p)] = item
        } else {
            values.append(item)
        }
    }

    /// Runs `body` on the stored item with this ID, if there is one, and returns its result
    /// (nil when there is no such item). The item's ID must not change.
    @discardableResult
    public mutating func modifyValue<R>(forKey id: String, _ body: (inout Item) throws -> R) rethrows -> R? {
        guard let p = positions[id] else { return nil }
        return try body(&values[Int(p)])
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
