import LichengDomain
import LichengLog

/// A compact binary form for `Codable` values, used for the engine's derived
/// snapshots (JSON is ten times slower to read back). Every value is
/// `kind (1 byte) · length (varint) · payload`:
/// kind 0 nil (empty), 1 scalar (fixed little-endian integers and doubles,
/// 1-byte Bool, UTF-8 string), 2 keyed (count, then key length, key bytes and a
/// value per entry), 3 unkeyed (count, then values). Lengths make every value
/// skippable. Malformed input throws `BinaryCodingError`; it never traps.
enum BinaryCoder {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let node = Node()
        try encodeValue(value, into: node, codingPath: [])
        var out: [UInt8] = []
        node.serialize(into: &out)
        return out
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let storage = ByteStorage(bytes)
        let value = try storage.value(at: 0)
        guard value.end == bytes.count else { throw BinaryCodingError("trailing bytes after the value") }
        return try decodeValue(T.self, storage: storage, value: value, codingPath: [])
    }

    /// `decode` of a scalar whose type is known here: the same bytes, read without looking
    /// up the type's form (building the table of known forms costs more than a small
    /// snapshot).
    static func decodeScalar<T: BinaryScalar>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let storage = ByteStorage(bytes)
        let value = try storage.value(at: 0)
        guard value.end == bytes.count else { throw BinaryCodingError("trailing bytes after the value") }
        return try scalar(T.self, storage, value, [])
    }

    /// `encode` of a scalar (the same bytes).
    static func encodeScalar<T: BinaryScalar>(_ value: T) -> [UInt8] {
        var payload: [UInt8] = []
        value.write(into: &payload)
        return wrapValue(kind: 1, payload)
    }
}

struct BinaryCodingError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: Encoding

final class Node {
    var kind: UInt8 = 0
    var scalar: [UInt8] = []
    var keyed: [(String, Node)] = []
    var unkeyed: [Node] = []
    /// The whole serialized value (kind, length, payload), for collections of scalars
    /// written straight to bytes instead of a node per element.
    var raw: [UInt8]?
    private var payloadSizeCache: Int?

    /// Bytes of the payload (sizes are computed once, so serializing writes every
    /// byte straight into the output instead of copying nested payloads at each level).
    var payloadSize: Int {
        if let known = payloadSizeCache { return known }
        var size = 0
        switch kind {
        case 1: size = scalar.count
        case 2:
            size = varintSize(keyed.count)
            for (key, child) in keyed { let n = key.utf8.count; size += varintSize(n) + n + child.totalSize }
        case 3:
            size = varintSize(unkeyed.count)
            for child in unkeyed { size += child.totalSize }
        default: break
        }
        payloadSizeCache = size
        return size
    }

    var totalSize: Int { raw?.count ?? (1 + varintSize(payloadSize) + payloadSize) }

    func serialize(into out: inout [UInt8]) {
        if let raw { out += raw; return }
        out.append(kind)
        writeVarint(UInt64(payloadSize), into: &out)
        switch kind {
        case 1: out += scalar
        case 2:
            writeVarint(UInt64(keyed.count), into: &out)
            for (key, child) in keyed {
                writeVarint(UInt64(key.utf8.count), into: &out)
                out.appendUTF8(key)
                child.serialize(into: &out)
            }
        case 3:
            writeVarint(UInt64(unkeyed.count), into: &out)
            for child in unkeyed { child.serialize(into: &out) }
        default: break
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends a string's UTF-8 by block copy (appending `String.UTF8View` as a
    /// sequence copies byte by byte).
    mutating func appendUTF8(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }
}

func varintSize(_ value: Int) -> Int {
    var v = UInt64(value), n = 1
    while v >= 0x80 { v >>= 7; n += 1 }
    return n
}

/// Lists, sets and string-keyed dictionaries of scalars, written straight to the
/// same bytes the generic path (a node per element) would produce.
protocol BinaryScalarCollection {
    /// The serialized value, or nil when the elements are not scalars.
    func rawEncoded() -> [UInt8]?
}

/// Wraps `payload` as a value of `kind`.
func wrapValue(kind: UInt8, _ payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(payload.count + 11)
    out.append(kind)
    writeVarint(UInt64(payload.count), into: &out)
    out += payload
    return out
}

func appendScalarValue(_ scalar: BinaryScalar, into out: inout [UInt8], scratch: inout [UInt8]) {
    scratch.removeAll(keepingCapacity: true)
    scalar.write(into: &scratch)
    out.append(1)
    writeVarint(UInt64(scratch.count), into: &out)
    out += scratch
}

/// A list (kind 3) of the collection's scalars, as arrays and sets encode themselves.
func rawEncodedList<C: Collection>(_ elements: C) -> [UInt8]? {
    guard C.Element.self is BinaryScalar.Type else { return nil }
    var payload: [UInt8] = [], scratch: [UInt8] = []
    writeVarint(UInt64(elements.count), into: &payload)
    for element in elements { appendScalarValue(element as! BinaryScalar, into: &payload, scratch: &scratch) }
    return wrapValue(kind: 3, payload)
}

extension Array: BinaryScalarCollection {
    func rawEncoded() -> [UInt8]? { rawEncodedList(self) }
}

extension Set: BinaryScalarCollection {
    func rawEncoded() -> [UInt8]? { rawEncodedList(self) }
}

/// A map (kind 2) of the entries' texts and scalars, as string-keyed maps encode themselves.
func rawEncodedMap<M: StringKeyedMap>(_ map: M) -> [UInt8]? {
    guard M.Value.self is BinaryScalar.Type else { return nil }
    var payload: [UInt8] = [], scratch: [UInt8] = []
    writeVarint(UInt64(map.count), into: &payload)
    for (key, value) in map {
        writeVarint(UInt64(key.utf8.count), into: &payload)
        payload.appendUTF8(key)
        appendScalarValue(value as! BinaryScalar, into: &payload, scratch: &scratch)
    }
    return wrapValue(kind: 2, payload)
}

/// `[String: Value]` and `IDMap<Value>`: one binary form (a keyed value), one encoder and decoder.
protocol StringKeyedMap<Value>: Sequence where Element == (key: String, value: Value) {
    associatedtype Value
    init()
    var count: Int { get }
    var isEmpty: Bool { get }
    mutating func reserveCapacity(_ n: Int)
    subscript(key: String) -> Value? { get set }
}

extension Dictionary: StringKeyedMap where Key == String {}
extension IDMap: StringKeyedMap {}

extension Dictionary: BinaryScalarCollection where Key == String {
    func rawEncoded() -> [UInt8]? { rawEncodedMap(self) }
}

extension IDMap: BinaryScalarCollection {
    func rawEncoded() -> [UInt8]? { rawEncodedMap(self) }
}

func writeVarint(_ value: UInt64, into out: inout [UInt8]) {
    var v = value
    while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
    out.append(UInt8(v))
}

struct AnyKey: CodingKey {
    private let string: String?
    let intValue: Int?
    /// Formatted only when asked for (an error message): list indexes are made per element.
    var stringValue: String { string ?? String(intValue!) }
    init(stringValue: String) { string = stringValue; intValue = nil }
    init(intValue: Int) { string = nil; self.intValue = intValue }
}

/// Scalars with a fixed binary form.
protocol BinaryScalar {
    func write(into out: inout [UInt8])
    init(binary bytes: ArraySlice<UInt8>) throws
}

extension BinaryScalar where Self: FixedWidthInteger {
    func write(into out: inout [UInt8]) { out.appendLE(self) }
    init(binary bytes: ArraySlice<UInt8>) throws {
        guard bytes.count == MemoryLayout<Self>.size else { throw BinaryCodingError("an integer has \(bytes.count) bytes") }
        var v = Self.zero
        withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes) }
        self = Self(littleEndian: v)
    }
}

extension Int: BinaryScalar {}
extension Int8: BinaryScalar {}
extension Int16: BinaryScalar {}
extension Int32: BinaryScalar {}
extension Int64: BinaryScalar {}
extension UInt: BinaryScalar {}
extension UInt8: BinaryScalar {}
extension UInt16: BinaryScalar {}
extension UInt32: BinaryScalar {}
extension UInt64: BinaryScalar {}
extension Bool: BinaryScalar {
    func write(into out: inout [UInt8]) { out.append(self ? 1 : 0) }
    init(binary bytes: ArraySlice<UInt8>) throws {
        guard bytes.count == 1, let b = bytes.first, b <= 1 else { throw BinaryCodingError("a Bool is not 0 or 1") }
        self = b == 1
    }
}
extension Double: BinaryScalar {
    func write(into out: inout [UInt8]) { bitPattern.write(into: &out) }
    init(binary bytes: ArraySlice<UInt8>) throws { self = Double(bitPattern: try UInt64(binary: bytes)) }
}
extension Float: BinaryScalar {
    func write(into out: inout [UInt8]) { bitPattern.write(into: &out) }
    init(binary bytes: ArraySlice<UInt8>) throws { self = Float(bitPattern: try UInt32(binary: bytes)) }
}
extension String: BinaryScalar {
    func write(into out: inout [UInt8]) { out.appendUTF8(self) }
    init(binary bytes: ArraySlice<UInt8>) throws {
        guard let s = String(exactUTF8: bytes) else { throw BinaryCodingError("a string is not valid UTF-8") }
        self = s
    }
}

func encodeValue<T: Encodable>(_ value: T, into node: Node, codingPath: [CodingKey]) throws {
    if let scalar = value as? BinaryScalar {
        node.kind = 1
        scalar.write(into: &node.scalar)
        return
    }
    if let collection = value as? BinaryScalarCollection, let raw = collection.rawEncoded() {
        node.raw = raw
        return
    }
    let encoder = NodeEncoder(node: node, codingPath: codingPath)
    try value.encode(to: encoder)
}

final class NodeEncoder: Encoder {
    let node: Node
    var codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: Node = Node(), codingPath: [CodingKey] = []) {
        self.node = node
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.kind = 2
        return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        node.kind = 3
        return UnkeyedEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { SingleEncoder(node: node, codingPath: codingPath) }
}

struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [CodingKey]

    func child(_ key: Key) -> Node {
        let n = Node()
        node.keyed.append((key.stringValue, n))
        return n
    }

    mutating func encodeNil(forKey key: Key) throws { _ = child(key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encodeValue(value, into: child(key), codingPath: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let n = child(key); n.kind = 2
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(node: n, codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let n = child(key); n.kind = 3
        return UnkeyedEncoder(node: n, codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> Encoder {
        let n = Node()
        node.keyed.append(("super", n))
        return NodeEncoder(node: n, codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> Encoder { NodeEncoder(node: child(key), codingPath: codingPath + [key]) }
}

struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [CodingKey]
    var count: Int { node.unkeyed.count }

    func child() -> Node {
        let n = Node()
        node.unkeyed.append(n)
        return n
    }

    mutating func encodeNil() throws { _ = child() }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try encodeValue(value, into: child(), codingPath: codingPath + [AnyKey(intValue: count)])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let n = child(); n.kind = 2
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(node: n, codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let n = child(); n.kind = 3
        return UnkeyedEncoder(node: n, codingPath: codingPath)
    }
    mutating func superEncoder() -> Encoder { NodeEncoder(node: child(), codingPath: codingPath) }
}

struct SingleEncoder: SingleValueEncodingContainer {
    let node: Node
    var codingPath: [CodingKey]
    mutating func encodeNil() throws { node.kind = 0 }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: node, codingPath: codingPath) }
}

// MARK: Decoding

final class ByteStorage {
    let bytes: [UInt8]
    /// The decoding form of each type met so far (one decode runs on one thread).
    private var forms: [ObjectIdentifier: ValueForm] = [:]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func form(of type: Any.Type) -> ValueForm {
        let id = ObjectIdentifier(type)
        if let known = forms[id] { return known }
        if let known = knownForms[id] { forms[id] = known; return known }
        let form = dynamicForm(of: type)
        forms[id] = form
        return form
    }

    func varint(at offset: inout Int) throws -> Int {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw BinaryCodingError("a length runs past the end") }
            let b = bytes[offset]; offset += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        guard result <= UInt64(bytes.count) else { throw BinaryCodingError("a length is larger than the data") }
        return Int(result)
    }

    /// The value starting at `offset`.
    func value(at offset: Int) throws -> ValueRange {
        guard offset < bytes.count else { throw BinaryCodingError("a value runs past the end") }
        var position = offset + 1
        let length = try varint(at: &position)
        guard position + length <= bytes.count else { throw BinaryCodingError("a value runs past the end") }
        return ValueRange(kind: bytes[offset], payload: position, end: position + length)
    }
}

struct ValueRange {
    var kind: UInt8
    var payload: Int
    var end: Int
}

final class NodeDecoder: Decoder {
    let storage: ByteStorage
    let value: ValueRange
    var codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) {
        self.storage = storage
        self.value = value
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try KeyedDecoder<Key>(storage: storage, value: value, codingPath: codingPath))
    }
    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        try UnkeyedDecoder(storage: storage, value: value, codingPath: codingPath)
    }
    func singleValueContainer() throws -> SingleValueDecodingContainer {
        SingleDecoder(storage: storage, value: value, codingPath: codingPath)
    }
}

/// Decodes one value. `codingPath` is built only when needed (a nested container or an
/// error), since most values are scalars and building paths dominated decoding.
func decodeValue<T: Decodable>(_ type: T.Type, storage: ByteStorage, value: ValueRange,
                               codingPath: @autoclosure () -> [CodingKey]) throws -> T {
    switch storage.form(of: T.self) {
    case .scalar(let scalarType):
        guard value.kind == 1 else { throw BinaryCodingError("expected a scalar at \(codingPath().map(\.stringValue).joined(separator: "."))") }
        return try scalarType.init(binary: storage.bytes[value.payload..<value.end]) as! T
    case .collection(let collection):
        return try collection.decodeCollection(storage: storage, value: value, codingPath: codingPath()) as! T
    case .keyedOrOther:
        return try T(from: NodeDecoder(storage: storage, value: value, codingPath: codingPath()))
    }
}

/// How values of a type are decoded; found once per type and decode (a protocol
/// conformance lookup cost thousands of instructions per value).
enum ValueForm {
    case scalar(BinaryScalar.Type)
    case collection(BinaryCollection.Type)
    case keyedOrOther
}

/// Lists, sets and string-keyed dictionaries decoded straight from their entries,
/// without a decoding container per element. The bytes are the ones the standard
/// library's own `Codable` conformances write: a list (kind 3) for arrays and sets,
/// a keyed value (kind 2) for dictionaries with `String` keys.
protocol BinaryCollection {
    static func decodeCollection(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any
}

extension ByteStorage {
    /// Calls `body` with each element of the list `value`, in order.
    func forEachElement(of value: ValueRange, codingPath: [CodingKey], _ body: (Int, ValueRange) throws -> Void) throws {
        guard value.kind == 3 else { throw BinaryCodingError("expected a list at \(codingPath.map(\.stringValue).joined(separator: "."))") }
        var position = value.payload
        let count = try varint(at: &position)
        for index in 0..<count {
            let element = try self.value(at: position)
            guard element.end <= value.end else { throw BinaryCodingError("an element runs past its list") }
            try body(index, element)
            position = element.end
        }
    }
}

extension Array: BinaryCollection where Element: Decodable {
    static func decodeCollection(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
        if Element.self == String.self { return try decodeScalarArray(String.self, storage: storage, value: value, codingPath: codingPath) }
        // The element's form from the table of known forms: a cast (`as? BinaryScalar.Type`)
        // would scan the binary's conformance records the first time each type is met.
        if case .scalar(let scalar) = storage.form(of: Element.self) {
            return try decodeScalarArray(scalar, storage: storage, value: value, codingPath: codingPath)
        }
        var out: [Element] = []
        try storage.forEachElement(of: value, codingPath: codingPath) { index, element in
            out.append(try decodeValue(Element.self, storage: storage, value: element, codingPath: codingPath + [AnyKey(intValue: index)]))
        }
        return out
    }
}

extension Set: BinaryCollection where Element: Decodable {
    static func decodeCollection(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
        if Element.self == String.self { return try decodeScalarSet(String.self, storage: storage, value: value, codingPath: codingPath) }
        if case .scalar = storage.form(of: Element.self), let scalar = Element.self as? any (BinaryScalar & Hashable).Type {
            return try decodeScalarSet(scalar, storage: storage, value: value, codingPath: codingPath)
        }
        var out = Set<Element>()
        try storage.forEachElement(of: value, codingPath: codingPath) { index, element in
            out.insert(try decodeValue(Element.self, storage: storage, value: element, codingPath: codingPath + [AnyKey(intValue: index)]))
        }
        return out
    }
}

// Collections of scalars: the element type is opened once per collection, so each
// element is decoded through its static type (no dynamic cast per element, which
// cost a third of opening a large store).

func scalar<S: BinaryScalar>(_ type: S.Type, _ storage: ByteStorage, _ value: ValueRange, _ codingPath: @autoclosure () -> [CodingKey]) throws -> S {
    guard value.kind == 1 else { throw BinaryCodingError("expected a scalar at \(codingPath().map(\.stringValue).joined(separator: "."))") }
    return try S(binary: storage.bytes[value.payload..<value.end])
}

func decodeScalarArray<S: BinaryScalar>(_ type: S.Type, storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
    var out: [S] = []
    try storage.forEachElement(of: value, codingPath: codingPath) { index, element in
        out.append(try scalar(S.self, storage, element, codingPath + [AnyKey(intValue: index)]))
    }
    return out
}

func decodeScalarSet<S: BinaryScalar & Hashable>(_ type: S.Type, storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
    var out = Set<S>()
    try storage.forEachElement(of: value, codingPath: codingPath) { index, element in
        out.insert(try scalar(S.self, storage, element, codingPath + [AnyKey(intValue: index)]))
    }
    return out
}

/// Calls `body` with each key and value of the keyed value `value`, in order.
func forEachEntry(of value: ValueRange, storage: ByteStorage, codingPath: [CodingKey], _ body: (Int, String, ValueRange) throws -> Void) throws {
    guard value.kind == 2 else { throw BinaryCodingError("expected a keyed value at \(codingPath.map(\.stringValue).joined(separator: "."))") }
    var position = value.payload
    let count = try storage.varint(at: &position)
    for _ in 0..<count {
        let keyLength = try storage.varint(at: &position)
        guard position + keyLength <= value.end else { throw BinaryCodingError("a key runs past its container") }
        let key = String(decoding: storage.bytes[position..<(position + keyLength)], as: UTF8.self)
        position += keyLength
        let element = try storage.value(at: position)
        guard element.end <= value.end else { throw BinaryCodingError("an entry runs past its container") }
        try body(count, key, element)
        position = element.end
    }
}

func decodeScalarDictionary<S: BinaryScalar>(_ type: S.Type, storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
    try decodeScalarMap(S.self, into: [String: S].self, storage: storage, value: value, codingPath: codingPath)
}

func decodeScalarIDMap<S: BinaryScalar>(_ type: S.Type, storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
    try decodeScalarMap(S.self, into: IDMap<S>.self, storage: storage, value: value, codingPath: codingPath)
}

/// A string-keyed map of scalars, decoded through their static type.
func decodeScalarMap<S: BinaryScalar, M: StringKeyedMap<S>>(_ type: S.Type, into _: M.Type, storage: ByteStorage, value: ValueRange,
                                                           codingPath: [CodingKey]) throws -> M {
    var out = M()
    try forEachEntry(of: value, storage: storage, codingPath: codingPath) { count, key, element in
        if out.isEmpty { out.reserveCapacity(count) }
        out[key] = try scalar(S.self, storage, element, codingPath + [AnyKey(stringValue: key)])
    }
    return out
}

/// `[String: [String]]` (proxies per account: one entry per departed or absent staff member),
/// through code specialized for it rather than the generic path per entry.
func decodeStringListDictionary(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
    var out: [String: [String]] = [:]
    try forEachEntry(of: value, storage: storage, codingPath: codingPath) { count, key, element in
        if out.isEmpty { out.reserveCapacity(count) }
        var list: [String] = []
        try storage.forEachElement(of: element, codingPath: codingPath) { index, item in
            list.append(try scalar(String.self, storage, item, codingPath + [AnyKey(stringValue: key), AnyKey(intValue: index)]))
        }
        out[key] = list
    }
    return out
}

extension Dictionary: BinaryCollection where Key == String, Value: Decodable {
    static func decodeCollection(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
        // Dictionaries of scalars, decoded by code specialized for their type.
        if Value.self == UInt64.self { return try decodeScalarDictionary(UInt64.self, storage: storage, value: value, codingPath: codingPath) }
        if Value.self == String.self { return try decodeScalarDictionary(String.self, storage: storage, value: value, codingPath: codingPath) }
        if Value.self == [String].self { return try decodeStringListDictionary(storage: storage, value: value, codingPath: codingPath) }
        if case .scalar(let scalar) = storage.form(of: Value.self) {
            return try decodeScalarDictionary(scalar, storage: storage, value: value, codingPath: codingPath)
        }
        return try decodeMap(Self.self, storage: storage, value: value, codingPath: codingPath)
    }
}

extension IDMap: BinaryCollection where Value: Decodable {
    static func decodeCollection(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any {
        // The large tables of a snapshot, decoded by code specialized for their type.
        if Value.self == ItemInfo.self { return try decodeScalarIDMap(ItemInfo.self, storage: storage, value: value, codingPath: codingPath) }
        if Value.self == StudentInfo.self { return try decodeScalarIDMap(StudentInfo.self, storage: storage, value: value, codingPath: codingPath) }
        if Value.self == UInt64.self { return try decodeScalarIDMap(UInt64.self, storage: storage, value: value, codingPath: codingPath) }
        if case .scalar(let scalar) = storage.form(of: Value.self) {
            return try decodeScalarIDMap(scalar, storage: storage, value: value, codingPath: codingPath)
        }
        return try decodeMap(Self.self, storage: storage, value: value, codingPath: codingPath)
    }
}

/// A string-keyed map of values decoded by the generic path.
func decodeMap<M: StringKeyedMap>(_ type: M.Type, storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws -> Any where M.Value: Decodable {
    var out = M()
    try forEachEntry(of: value, storage: storage, codingPath: codingPath) { count, key, element in
        if out.isEmpty { out.reserveCapacity(count) }
        out[key] = try decodeValue(M.Value.self, storage: storage, value: element, codingPath: codingPath + [AnyKey(stringValue: key)])
    }
    return out
}

struct KeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let storage: ByteStorage
    var codingPath: [CodingKey]
    /// (key start, key length, value) per entry, in encoding order.
    let entries: [(Int, Int, ValueRange)]
    private let cursor = Cursor()

    final class Cursor { var next = 0 }

    init(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws {
        guard value.kind == 2 else { throw BinaryCodingError("expected a keyed value at \(codingPath.map(\.stringValue).joined(separator: "."))") }
        self.storage = storage
        self.codingPath = codingPath
        var position = value.payload
        let count = try storage.varint(at: &position)
        var entries: [(Int, Int, ValueRange)] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let keyLength = try storage.varint(at: &position)
            let keyStart = position
            position += keyLength
            let v = try storage.value(at: position)
            guard v.end <= value.end else { throw BinaryCodingError("an entry runs past its container") }
            entries.append((keyStart, keyLength, v))
            position = v.end
        }
        self.entries = entries
    }

    var allKeys: [Key] {
        entries.compactMap { Key(stringValue: String(decoding: storage.bytes[$0.0..<($0.0 + $0.1)], as: UTF8.self)) }
    }

    private func find(_ key: Key) -> ValueRange? {
        let utf8 = key.stringValue.utf8
        func matches(_ i: Int) -> Bool {
            let (start, length, _) = entries[i]
            return length == utf8.count && storage.bytes[start..<(start + length)].elementsEqual(utf8)
        }
        // Values are almost always asked for in the order they were written.
        if cursor.next < entries.count && matches(cursor.next) { cursor.next += 1; return entries[cursor.next - 1].2 }
        for i in entries.indices where matches(i) { cursor.next = i + 1; return entries[i].2 }
        return nil
    }

    private func require(_ key: Key) throws -> ValueRange {
        guard let v = find(key) else { throw BinaryCodingError("missing key \((codingPath + [key]).map(\.stringValue).joined(separator: "."))") }
        return v
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }
    func decodeNil(forKey key: Key) throws -> Bool { try require(key).kind == 0 }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeValue(type, storage: storage, value: try require(key), codingPath: codingPath + [key])
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = find(key), v.kind != 0 else { return nil }
        return try decodeValue(type, storage: storage, value: v, codingPath: codingPath + [key])
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(try KeyedDecoder<NestedKey>(storage: storage, value: try require(key), codingPath: codingPath + [key]))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try UnkeyedDecoder(storage: storage, value: try require(key), codingPath: codingPath + [key])
    }
    func superDecoder() throws -> Decoder {
        guard let entry = entries.first(where: { storage.bytes[$0.0..<($0.0 + $0.1)].elementsEqual("super".utf8) }) else {
            throw BinaryCodingError("missing the super value")
        }
        return NodeDecoder(storage: storage, value: entry.2, codingPath: codingPath)
    }
    func superDecoder(forKey key: Key) throws -> Decoder {
        NodeDecoder(storage: storage, value: try require(key), codingPath: codingPath + [key])
    }
}

struct UnkeyedDecoder: UnkeyedDecodingContainer {
    let storage: ByteStorage
    var codingPath: [CodingKey]
    var count: Int?
    var currentIndex = 0
    private var position: Int
    private let end: Int

    init(storage: ByteStorage, value: ValueRange, codingPath: [CodingKey]) throws {
        guard value.kind == 3 else { throw BinaryCodingError("expected a list at \(codingPath.map(\.stringValue).joined(separator: "."))") }
        self.storage = storage
        self.codingPath = codingPath
        position = value.payload
        end = value.end
        count = try storage.varint(at: &position)
    }

    var isAtEnd: Bool { currentIndex >= count! }

    private mutating func next() throws -> ValueRange {
        guard !isAtEnd else { throw BinaryCodingError("a list has fewer elements than asked for") }
        let v = try storage.value(at: position)
        guard v.end <= end else { throw BinaryCodingError("an element runs past its list") }
        position = v.end
        currentIndex += 1
        return v
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw BinaryCodingError("a list has fewer elements than asked for") }
        if try storage.value(at: position).kind == 0 { _ = try next(); return true }
        return false
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let index = currentIndex
        return try decodeValue(type, storage: storage, value: try next(), codingPath: codingPath + [AnyKey(intValue: index)])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(try KeyedDecoder<NestedKey>(storage: storage, value: try next(), codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        try UnkeyedDecoder(storage: storage, value: try next(), codingPath: codingPath)
    }
    mutating func superDecoder() throws -> Decoder { NodeDecoder(storage: storage, value: try next(), codingPath: codingPath) }
}

struct SingleDecoder: SingleValueDecodingContainer {
    let storage: ByteStorage
    let value: ValueRange
    var codingPath: [CodingKey]
    func decodeNil() -> Bool { value.kind == 0 }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeValue(type, storage: storage, value: value, codingPath: codingPath)
    }
}

// MARK: Hand-written forms of the most numerous snapshot values

/// Reads the fields of a hand-written scalar form, bounds-checked.
struct FieldReader {
    let bytes: ArraySlice<UInt8>
    var position: Int

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; position = bytes.startIndex }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.endIndex else { throw BinaryCodingError("a record ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func int32() throws -> Int32 {
        guard position + 4 <= bytes.endIndex else { throw BinaryCodingError("a record ends early") }
        defer { position += 4 }
        return try Int32(binary: bytes[position..<(position + 4)])
    }

    mutating func string() throws -> String {
        let length = Int(try byte()) << 8 | Int(try byte())
        guard position + length <= bytes.endIndex else { throw BinaryCodingError("a record ends early") }
        defer { position += length }
        return try String(binary: bytes[position..<(position + length)])
    }

    mutating func optionalString() throws -> String? { try byte() == 0 ? nil : try string() }
}

extension Array where Element == UInt8 {
    mutating func appendField(_ s: String) {
        let n = s.utf8.count
        guard n <= 0xFFFF else {
            // Never in practice (IDs); a cut string fails to decode and the snapshot is rebuilt.
            let utf8 = Array(s.utf8.prefix(0xFFFF))
            append(UInt8(utf8.count >> 8)); append(UInt8(utf8.count & 0xFF))
            append(contentsOf: utf8)
            return
        }
        append(UInt8(n >> 8)); append(UInt8(n & 0xFF))
        appendUTF8(s)
    }

    mutating func appendField(_ s: String?) {
        if let s { append(1); appendField(s) } else { append(0) }
    }
}

/// One entry per uploaded item of the school: by far the most numerous value in
/// a snapshot, so it gets a fixed form instead of generic keyed coding: the year
/// (int32) and the bits (one byte: semester, kind, selected, submitted).
extension ItemInfo: BinaryScalar {
    func write(into out: inout [UInt8]) {
        Int32(year.value).write(into: &out)
        out.append(bits)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        let year = AcademicYear(Int(try r.int32()))
        let bits = try r.byte()
        guard r.position == bytes.endIndex else { throw BinaryCodingError("an item record has stray bytes") }
        guard let info = ItemInfo(year: year, bits: bits) else { throw BinaryCodingError("an item has unknown bits \(bits)") }
        self = info
    }
}

// Batches (with every student's receipt), receipts, courses and students are the
// next most numerous values; generic keyed decoding of them cost more than the
// rest of opening a store. Their forms use varint lengths and counts, enums by
// raw value (so reordering cases never changes meaning). A field added to one of
// these types must be added here too: `BinaryCoderTests` counts their fields.

extension Array where Element == UInt8 {
    mutating func appendVarint(_ v: Int) { writeVarint(UInt64(v), into: &self) }
    mutating func appendText(_ s: String) { appendVarint(s.utf8.count); appendUTF8(s) }
    mutating func appendText(_ s: String?) { if let s { append(1); appendText(s) } else { append(0) } }
    mutating func appendTexts(_ list: [String]) { appendVarint(list.count); for s in list { appendText(s) } }
    mutating func appendTerm(_ t: Term?) {
        if let t { append(UInt8(t.semester)); Int32(t.year.value).write(into: &self) } else { append(0) }
    }
    mutating func appendInt64(_ v: Int64) { v.write(into: &self) }
    mutating func appendUInt64(_ v: UInt64) { v.write(into: &self) }
}

extension FieldReader {
    mutating func varint() throws -> Int {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard shift < 64 else { throw BinaryCodingError("a length is too long") }
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        guard result <= UInt64(bytes.endIndex - position) else { throw BinaryCodingError("a length is larger than the record") }
        return Int(result)
    }

    mutating func text() throws -> String {
        let length = try varint()
        defer { position += length }
        return try String(binary: bytes[position..<(position + length)])
    }

    mutating func optionalText() throws -> String? { try byte() == 0 ? nil : try text() }

    mutating func texts() throws -> [String] {
        let count = try varint()
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try text()) }
        return out
    }

    mutating func fixed<T: BinaryScalar & FixedWidthInteger>(_ type: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard position + size <= bytes.endIndex else { throw BinaryCodingError("a record ends early") }
        defer { position += size }
        return try T(binary: bytes[position..<(position + size)])
    }

    mutating func term() throws -> Term? {
        let semester = try byte()
        guard semester != 0 else { return nil }
        guard semester <= 2 else { throw BinaryCodingError("a term has semester \(semester)") }
        return Term(year: AcademicYear(Int(try fixed(Int32.self))), semester: Int(semester))
    }

    mutating func choice<T: RawRepresentable>(_ type: T.Type) throws -> T where T.RawValue == String {
        let raw = try text()
        guard let value = T(rawValue: raw) else { throw BinaryCodingError("unknown value '\(raw)' for \(T.self)") }
        return value
    }

    mutating func optionalChoice<T: RawRepresentable>(_ type: T.Type) throws -> T? where T.RawValue == String {
        try byte() == 0 ? nil : try choice(type)
    }

    func finish(_ what: String) throws {
        guard position == bytes.endIndex else { throw BinaryCodingError("a \(what) record has stray bytes") }
    }
}

extension ReceiptRecord: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(status.rawValue)
        out.appendText(method?.rawValue)
        out.appendText(reason)
        out.appendUInt64(seq)
        out.appendInt64(at)
        out.appendText(by)
        out.append(everConfirmed ? 1 : 0)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        try self.init(reading: &r)
        try r.finish("receipt")
    }

    init(reading r: inout FieldReader) throws {
        self = .fields(status: try r.choice(ReceiptStatus.self), method: try r.optionalChoice(ReceiptMethod.self),
                  reason: try r.optionalText(), seq: try r.fixed(UInt64.self), at: try r.fixed(Int64.self),
                  by: try r.text(), everConfirmed: try r.byte() == 1)
    }
}

extension StudentReceipt {
    /// Status, method (or none), whether ever confirmed.
    func write(into out: inout [UInt8]) {
        out.appendText(status.rawValue)
        out.appendText(method?.rawValue)
        out.append(everConfirmed ? 1 : 0)
    }

    init(reading r: inout FieldReader) throws {
        self.init(status: try r.choice(ReceiptStatus.self), method: try r.optionalChoice(ReceiptMethod.self), everConfirmed: try r.byte() == 1)
    }
}

extension Batch: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(batchId)
        out.appendText(kind.rawValue)
        Int32(year.value).write(into: &out)
        out.appendTerm(term)
        out.appendTexts(items)
        out.appendTexts(students)
        out.appendText(replaces)
        out.appendText(replacedBy)
        out.appendText(submittedBy)
        out.appendText(onBehalfOf)
        out.appendUInt64(seq)
        out.appendInt64(at)
        if let schoolReceipt { out.append(1); schoolReceipt.write(into: &out) } else { out.append(0) }
        out.appendVarint(studentReceipts.count)
        for (student, receipt) in studentReceipts.sorted(by: { $0.key < $1.key }) {
            out.appendText(student)
            receipt.write(into: &out)
        }
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self = .fields(batchId: try r.text(), kind: try r.choice(SubmissionKind.self), year: AcademicYear(Int(try r.fixed(Int32.self))),
                  term: try r.term(), items: try r.texts(), students: try r.texts(), replaces: try r.optionalText(),
                  replacedBy: try r.optionalText(), submittedBy: try r.text(), onBehalfOf: try r.optionalText(),
                  seq: try r.fixed(UInt64.self), at: try r.fixed(Int64.self))
        if try r.byte() == 1 { schoolReceipt = try ReceiptRecord(reading: &r) }
        let count = try r.varint()
        studentReceipts.reserveCapacity(count)
        for _ in 0..<count {
            let student = try r.text()
            studentReceipts[student] = try StudentReceipt(reading: &r)
        }
        try r.finish("batch")
    }
}

extension CourseInfo: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(courseId)
        out.appendTerm(term)
        out.appendText(name)
        out.appendTexts(teachers)
        out.appendText(`class`)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        let courseId = try r.text()
        let term = try r.requiredTerm("course")
        self = .fields(courseId: courseId, term: term, name: try r.text(), teachers: try r.texts(), class: try r.optionalText())
        try r.finish("course")
    }
}

extension StudentInfo: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(id)
        out.appendText(name)
        out.appendText(`class`)
        out.appendUInt64(enrolledSeq)
        out.appendDate(departedOn)
        out.appendText(departureReason?.rawValue)
        out.appendDate(departureRecordedOn)
        out.append(purged ? 1 : 0)
        if let purgedSeq { out.append(1); out.appendUInt64(purgedSeq) } else { out.append(0) }
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self = .fields(id: try r.text(), name: try r.text(), class: try r.text(), enrolledSeq: try r.fixed(UInt64.self))
        departedOn = try r.optionalDate()
        departureReason = try r.optionalChoice(DepartureReason.self)
        departureRecordedOn = try r.optionalDate()
        purged = try r.byte() == 1
        if try r.byte() == 1 { purgedSeq = try r.fixed(UInt64.self) }
        try r.finish("student")
    }
}


// The small values of the core state (calendar values, windows, the store, policies, staff
// accounts, meetings, trainings, the working group, certification tallies): few, but each
// type decoded through keyed coding made the runtime build its coding-key container types
// (a scan of the binary's conformance records apiece) at every command that opens a snapshot.

extension LocalDate: BinaryScalar {
    func write(into out: inout [UInt8]) { days.write(into: &out) }
    init(binary bytes: ArraySlice<UInt8>) throws { self.init(days: try Int32(binary: bytes)) }
}

extension AcademicYear: BinaryScalar {
    func write(into out: inout [UInt8]) { Int32(value).write(into: &out) }
    init(binary bytes: ArraySlice<UInt8>) throws { self.init(Int(try Int32(binary: bytes))) }
}

extension Term: BinaryScalar {
    func write(into out: inout [UInt8]) { out.appendTerm(self) }
    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        guard let term = try r.term() else { throw BinaryCodingError("a term has no semester") }
        try r.finish("term")
        self = term
    }
}

extension FieldReader {
    /// A course and term written as its key text (`courseId@year-semester`).
    mutating func courseTerm() throws -> CourseTerm {
        let key = try text()
        guard let course = CourseTerm(key: key) else { throw BinaryCodingError("'\(key)' is not a course key (courseId@year-semester)") }
        return course
    }

    mutating func requiredTerm(_ what: String) throws -> Term {
        guard let term = try term() else { throw BinaryCodingError("a \(what) has no term") }
        return term
    }

    mutating func optionalInt64() throws -> Int64? { try byte() == 0 ? nil : try fixed(Int64.self) }
    mutating func bool() throws -> Bool {
        let b = try byte()
        guard b <= 1 else { throw BinaryCodingError("a flag is \(b), not 0 or 1") }
        return b == 1
    }
    mutating func date() throws -> LocalDate { LocalDate(days: try fixed(Int32.self)) }
    mutating func optionalDate() throws -> LocalDate? { try byte() == 0 ? nil : try date() }

    mutating func choices<T: RawRepresentable>(_ type: T.Type) throws -> [T] where T.RawValue == String {
        let count = try varint()
        var out: [T] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try choice(type)) }
        return out
    }
}

extension Array where Element == UInt8 {
    mutating func appendOptionalInt64(_ v: Int64?) { if let v { append(1); v.write(into: &self) } else { append(0) } }
    mutating func appendDate(_ d: LocalDate?) { if let d { append(1); d.days.write(into: &self) } else { append(0) } }
    mutating func appendChoices<T: RawRepresentable>(_ list: [T]) where T.RawValue == String {
        appendVarint(list.count)
        for c in list { appendText(c.rawValue) }
    }
}

extension WindowKey: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendTerm(term)
        out.appendText(kind.rawValue)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self = SharedState.windowKey(try r.requiredTerm("window"), try r.choice(WindowKind.self))
        try r.finish("window key")
    }
}

extension WindowInfo: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendTerm(term)
        out.appendText(kind.rawValue)
        out.appendInt64(opensAt)
        out.appendInt64(closesAt)
        out.appendOptionalInt64(selfCheckAt)
        out.appendUInt64(setSeq)
        out.appendInt64(setAt)
        out.appendOptionalInt64(deadline)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self = .fields(term: try r.requiredTerm("window"), kind: try r.choice(WindowKind.self), opensAt: try r.fixed(Int64.self),
                       closesAt: try r.fixed(Int64.self), selfCheckAt: try r.optionalInt64(), setSeq: try r.fixed(UInt64.self),
                       setAt: try r.fixed(Int64.self), deadline: try r.optionalInt64())
        try r.finish("window")
    }
}

extension StoreInfo: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(schoolCode)
        out.appendText(schoolName)
        out.appendText(adminId)
        out.appendInt64(initializedAt)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self = .fields(schoolCode: try r.text(), schoolName: try r.text(), adminId: try r.text(), initializedAt: try r.fixed(Int64.self))
        try r.finish("store")
    }
}

extension Policy: BinaryScalar {
    func write(into out: inout [UInt8]) {
        for limit in [courseOutcomeUploads, performanceUploads, courseOutcomeSelections, performanceSelections, retentionYears,
                      descriptionMaxChars, documentMaxBytes, mediaMaxBytes] { out.appendInt64(limit) }
        out.appendUInt64(effectiveSeq)
        out.appendInt64(effectiveAt)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self.init()
        courseOutcomeUploads = try r.fixed(Int64.self)
        performanceUploads = try r.fixed(Int64.self)
        courseOutcomeSelections = try r.fixed(Int64.self)
        performanceSelections = try r.fixed(Int64.self)
        retentionYears = try r.fixed(Int64.self)
        descriptionMaxChars = try r.fixed(Int64.self)
        documentMaxBytes = try r.fixed(Int64.self)
        mediaMaxBytes = try r.fixed(Int64.self)
        effectiveSeq = try r.fixed(UInt64.self)
        effectiveAt = try r.fixed(Int64.self)
        try r.finish("policy")
    }
}

extension StaffAccount: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(id)
        out.appendText(name)
        out.appendChoices(roles)
        out.appendText(homeroomClass)
        out.appendInt64(registeredAt)
        out.appendDate(departedOn)
        out.appendOptionalInt64(accountExpiresAt)
        out.append(unavailable ? 1 : 0)
        out.appendText(unavailableReason)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self = .fields(id: try r.text(), name: try r.text(), roles: try r.choices(StaffRole.self), homeroomClass: try r.optionalText(),
                       registeredAt: try r.fixed(Int64.self))
        departedOn = try r.optionalDate()
        accountExpiresAt = try r.optionalInt64()
        unavailable = try r.bool()
        unavailableReason = try r.optionalText()
        try r.finish("staff account")
    }
}

extension WorkingGroupMember: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(name)
        out.appendText(position)
        out.appendText(staffId)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self.init(name: try r.text(), position: try r.text(), staffId: try r.optionalText())
        try r.finish("working group member")
    }
}

extension MeetingInfo: BinaryScalar {
    func write(into out: inout [UInt8]) {
        date.write(into: &out)
        out.appendTerm(term)
        out.appendText(decisions)
        out.appendUInt64(seq)
        out.appendText(by)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self = .fields(date: try r.date(), term: try r.requiredTerm("meeting"), decisions: try r.optionalText(), seq: try r.fixed(UInt64.self),
                       by: try r.text())
        try r.finish("meeting")
    }
}

extension TrainingInfo: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(kind.rawValue)
        date.write(into: &out)
        out.appendChoices(audience)
        out.appendTexts(hosts)
        out.appendText(title)
        out.appendUInt64(seq)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self = .fields(kind: try r.choice(TrainingKind.self), date: try r.date(), audience: try r.choices(Audience.self), hosts: try r.texts(), title: try r.optionalText(),
                       seq: try r.fixed(UInt64.self))
        try r.finish("training")
    }
}

extension CertificationTally: BinaryScalar {
    func write(into out: inout [UInt8]) {
        for n in [decisions, insideWindow, byProxy, late] { Int64(n).write(into: &out) }
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self.init()
        decisions = Int(try r.fixed(Int64.self))
        insideWindow = Int(try r.fixed(Int64.self))
        byProxy = Int(try r.fixed(Int64.self))
        late = Int(try r.fixed(Int64.self))
        try r.finish("certification tally")
    }
}

// The shared state and the snapshot: field by field, each value in its own form behind
// its length. Keyed coding of these two made the runtime build their container types and
// decode the state's maps through the generic collection path, at every command.

extension Array where Element == UInt8 {
    mutating func appendNested<T: BinaryScalar>(_ value: T) {
        var bytes: [UInt8] = []
        value.write(into: &bytes)
        appendVarint(bytes.count)
        append(contentsOf: bytes)
    }

    mutating func appendNestedList<T: BinaryScalar>(_ list: [T]) {
        appendVarint(list.count)
        for v in list { appendNested(v) }
    }

    mutating func appendSeqs(_ map: IDMap<UInt64>) {
        appendVarint(map.count)
        for (k, v) in map { appendText(k); appendUInt64(v) }
    }
}

extension FieldReader {
    mutating func nested<T: BinaryScalar>(_ type: T.Type) throws -> T {
        let length = try varint()
        defer { position += length }
        return try T(binary: bytes[position..<(position + length)])
    }

    mutating func nestedList<T: BinaryScalar>(_ type: T.Type) throws -> [T] {
        let count = try count(each: 1)
        var out: [T] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try nested(type)) }
        return out
    }

    mutating func seqs() throws -> IDMap<UInt64> {
        let count = try count(each: 9)
        var out = IDMap<UInt64>()
        out.reserveCapacity(count)
        for _ in 0..<count { out[try text()] = try fixed(UInt64.self) }
        return out
    }

    /// A count of entries that each take at least `minimum` bytes: a damaged count cannot
    /// make a reader reserve more than the record holds.
    mutating func count(each minimum: Int) throws -> Int {
        let n = try varint()
        guard n <= (bytes.endIndex - position) / max(minimum, 1) else { throw BinaryCodingError("a count is larger than the record") }
        return n
    }
}

extension SharedState: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.append(detail.rawValue)
        out.appendUInt64(lastSeq)
        out.appendInt64(lastRecordedAt)
        if let store { out.append(1); out.appendNested(store) } else { out.append(0) }
        out.appendNested(staff)
        out.appendVarint(accountProxies.count)
        for (account, proxies) in accountProxies { out.appendText(account); out.appendTexts(proxies) }
        out.appendVarint(roleProxies.count)
        for (role, proxies) in roleProxies { out.appendText(role.rawValue); out.appendTexts(proxies) }
        out.appendNested(courses)
        out.appendNested(coursesByTeacher)
        out.appendVarint(windows.count)
        for (key, window) in windows { out.appendNested(key); out.appendNested(window) }
        out.appendNestedList(policies)
        out.appendVarint(batches.count)
        for (id, batch) in batches { out.appendText(id); out.appendNested(batch) }
        out.appendTexts(batchOrder)
        out.appendNestedList(workingGroup)
        out.appendNestedList(meetings)
        out.appendNestedList(trainings)
        out.appendVarint(trustedSchools.count)
        for (code, key) in trustedSchools { out.appendText(code); out.appendText(key) }
        guard detail == .school else { return }
        out.appendVarint(students.count)
        for (id, student) in students { out.appendText(id); out.appendNested(student) }
        out.appendVarint(items.count)
        for (id, item) in items { out.appendText(id); out.appendNested(item) }
        out.appendVarint(awaitingCertification.count)
        for (course, waiting) in awaitingCertification { out.appendText(course.key); out.appendSeqs(waiting) }
        out.appendVarint(cadreStudents.count)
        for (year, students) in cadreStudents { year.write(into: &out); out.appendTexts(Array(students)) }
        out.appendVarint(certificationTally.count)
        for (term, tallies) in certificationTally {
            out.appendTerm(term)
            out.appendVarint(tallies.count)
            for (teacher, tally) in tallies { out.appendText(teacher); out.appendNested(tally) }
        }
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        guard let detail = Detail(rawValue: try r.byte()) else { throw BinaryCodingError("a state has an unknown detail") }
        self.init(detail: detail)
        lastSeq = try r.fixed(UInt64.self)
        lastRecordedAt = try r.fixed(Int64.self)
        if try r.bool() { store = try r.nested(StoreInfo.self) }
        staff = try r.nested(LazyMap<StaffAccount>.self)
        for _ in 0..<(try r.count(each: 2)) { accountProxies[try r.text()] = try r.texts() }
        for _ in 0..<(try r.count(each: 2)) { roleProxies[try r.choice(StaffRole.self)] = try r.texts() }
        courses = try r.nested(LazyMap<CourseInfo>.self)
        coursesByTeacher = try r.nested(LazyMap<[String]>.self)
        for _ in 0..<(try r.count(each: 2)) { windows[try r.nested(WindowKey.self)] = try r.nested(WindowInfo.self) }
        policies = try r.nestedList(Policy.self)
        let batchCount = try r.count(each: 2)
        batches.reserveCapacity(batchCount)
        for _ in 0..<batchCount { batches[try r.text()] = try r.nested(Batch.self) }
        batchOrder = try r.texts()
        workingGroup = try r.nestedList(WorkingGroupMember.self)
        meetings = try r.nestedList(MeetingInfo.self)
        trainings = try r.nestedList(TrainingInfo.self)
        for _ in 0..<(try r.count(each: 2)) { trustedSchools[try r.text()] = try r.text() }
        if detail == .school {
            let studentCount = try r.count(each: 2)
            students.reserveCapacity(studentCount)
            for _ in 0..<studentCount { students[try r.text()] = try r.nested(StudentInfo.self) }
            let itemCount = try r.count(each: 2)
            items.reserveCapacity(itemCount)
            for _ in 0..<itemCount { items[try r.text()] = try r.nested(ItemInfo.self) }
            var awaiting: [CourseTerm: IDMap<UInt64>] = [:]
            for _ in 0..<(try r.count(each: 2)) { awaiting[try r.courseTerm()] = try r.seqs() }
            setAwaitingCertification(awaiting)
            for _ in 0..<(try r.count(each: 5)) { cadreStudents[AcademicYear(Int(try r.fixed(Int32.self)))] = Set(try r.texts()) }
            for _ in 0..<(try r.count(each: 2)) {
                let term = try r.requiredTerm("tally")
                var tallies: IDMap<CertificationTally> = [:]
                for _ in 0..<(try r.count(each: 2)) { tallies[try r.text()] = try r.nested(CertificationTally.self) }
                certificationTally[term] = tallies
            }
        }
        try r.finish("shared state")
    }
}

extension Engine.Snapshot: BinaryScalar {
    func write(into out: inout [UInt8]) {
        out.appendText(storeID)
        out.appendText(digestAtLastSeq)
        out.appendNested(shared)
        out.appendNested(requests)
        out.appendUInt64(tablesChecksum)
    }

    init(binary bytes: ArraySlice<UInt8>) throws {
        var r = FieldReader(bytes)
        self.init(storeID: try r.text(), digestAtLastSeq: try r.text(), shared: try r.nested(SharedState.self),
                  requests: try r.nested(LazyMap<UInt64>.self), tablesChecksum: try r.fixed(UInt64.self))
        try r.finish("snapshot")
    }
}

/// The decoding forms of the types the engine's snapshots hold, stated at compile time. Finding
/// a form by casting (`as? BinaryScalar.Type`) makes the Swift runtime scan every conformance
/// record of the statically linked binary the first time a type is met: ~17% of a CLI command
/// on a large store went there. Types not listed are still found by casting.
/// The form found by casting (what `knownForms` must agree with: `BinaryCoderTests`).
func dynamicForm(of type: Any.Type) -> ValueForm {
    if let scalar = type as? BinaryScalar.Type { return .scalar(scalar) }
    if let collection = type as? BinaryCollection.Type { return .collection(collection) }
    return .keyedOrOther
}

extension ValueForm: @unchecked Sendable {}  // immutable metatypes

extension ValueForm {
    /// The same form (the same case and type).
    func sameAs(_ other: ValueForm) -> Bool {
        switch (self, other) {
        case let (.scalar(a), .scalar(b)): return ObjectIdentifier(a) == ObjectIdentifier(b)
        case let (.collection(a), .collection(b)): return ObjectIdentifier(a) == ObjectIdentifier(b)
        case (.keyedOrOther, .keyedOrOther): return true
        default: return false
        }
    }
}

private let knownForms: [ObjectIdentifier: ValueForm] = Dictionary(knownFormList.map { (ObjectIdentifier($0.0), $0.1) }) { a, _ in a }

let knownFormList: [(Any.Type, ValueForm)] = {
    var m: [(Any.Type, ValueForm)] = []
    func scalar<T: BinaryScalar>(_ t: T.Type) { m.append((t, .scalar(t))) }
    func collection<T: BinaryCollection>(_ t: T.Type) { m.append((t, .collection(t))) }
    func keyed(_ types: Any.Type...) { for t in types { m.append((t, .keyedOrOther)) } }
    scalar(String.self); scalar(Bool.self); scalar(Double.self)
    scalar(Int.self); scalar(Int8.self); scalar(Int16.self); scalar(Int32.self); scalar(Int64.self)
    scalar(UInt.self); scalar(UInt8.self); scalar(UInt16.self); scalar(UInt32.self); scalar(UInt64.self)
    scalar(ItemInfo.self); scalar(ReceiptRecord.self); scalar(Batch.self); scalar(CourseInfo.self); scalar(StudentInfo.self)
    scalar(LocalDate.self); scalar(AcademicYear.self); scalar(Term.self); scalar(WindowKey.self); scalar(WindowInfo.self)
    scalar(StoreInfo.self); scalar(Policy.self); scalar(StaffAccount.self); scalar(WorkingGroupMember.self); scalar(MeetingInfo.self)
    scalar(TrainingInfo.self); scalar(CertificationTally.self)
    scalar(LazyMap<StaffAccount>.self); scalar(LazyMap<CourseInfo>.self); scalar(LazyMap<[String]>.self); scalar(LazyMap<UInt64>.self)
    collection([String].self); collection(Set<String>.self); collection([UInt64].self)
    collection([String: String].self); collection([String: [String]].self); collection([String: UInt64].self)
    collection([String: Batch].self); collection([String: StudentInfo].self); collection([String: ItemInfo].self)
    collection(IDMap<CertificationTally>.self); collection(IDMap<StudentReceipt>.self)
    collection(IDMap<StudentInfo>.self); collection(IDMap<ItemInfo>.self); collection(IDMap<UInt64>.self); collection([String: IDMap<UInt64>].self)
    collection([Policy].self); collection([WorkingGroupMember].self); collection([MeetingInfo].self); collection([TrainingInfo].self)
    collection([StaffRole].self); collection([Audience].self)
    scalar(Engine.Snapshot.self); scalar(SharedState.self)
    keyed(SharedState.Detail.self, StaffRole.self, WindowKind.self, TrainingKind.self, Audience.self,
          SubmissionKind.self, ReceiptMethod.self, ReceiptStatus.self, ItemKind.self, ItemStatus.self, DepartureReason.self,
          [StaffRole: [String]].self, [WindowKey: WindowInfo].self, [AcademicYear: Set<String>].self,
          [Term: IDMap<CertificationTally>].self)
    return m
}()
