import CCrypto
import Testing
@testable import LichengLog

@Suite("SHA-256 paths")
struct HashTests {
    @Test("the short-message SHA-256 gives the standard digests")
    func knownVectors() {
        #expect(Hash.sha256([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hash.sha256(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)  // 56 bytes: padding takes a second block
        #expect(Hash.sha256(twoBlocks).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("every length up to 5,000 bytes: the one-call padded path equals OpenSSL's streaming context")
    func everyLengthMatchesStreaming() {
        var bytes = [UInt8](repeating: 0, count: 5000)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
        for n in 0...bytes.count {
            let streaming = StreamingSHA256()
            bytes.withUnsafeBytes { streaming.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            let direct = bytes.withUnsafeBytes { Hash.sha256(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            #expect(direct == streaming.finish(), "length \(n)")
        }
    }

    func streaming(_ bytes: [UInt8], _ n: Int) -> Digest {
        let hasher = StreamingSHA256()
        bytes.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        return hasher.finish()
    }

    @Test("two messages hashed side by side give each its own SHA-256, for every length up to 5,000 bytes in both places")
    func pairMatchesStreaming() {
        var a = [UInt8](repeating: 0, count: 5000), b = a
        for i in a.indices { a[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7); b[i] = UInt8(truncatingIfNeeded: i &* 17 &+ 99) }
        var outA = [UInt8](repeating: 0, count: 32), outB = outA
        let partners = [0, 1, 55, 56, 64, 119, 120, 128, 777]
        for n in 0...a.count {
            for m in partners {
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        licheng_sha256_pair(pa.baseAddress, n, &outA, pb.baseAddress, m, &outB)
                    }
                }
                #expect(Digest(bytes: outA) == streaming(a, n), "first of the pair, length \(n) beside \(m)")
                #expect(Digest(bytes: outB) == streaming(b, m), "second of the pair, length \(m) beside \(n)")
            }
        }
    }

    @Test("the pipelined chain ends where the plain chain ends, redacted records and flushes included")
    func pipelinedChainEqualsPlainChain() {
        var records: [[UInt8]] = []
        for i in 0..<300 { records.append((0..<(i * 7 % 400)).map { UInt8(truncatingIfNeeded: $0 &* i &+ 3) }) }
        var plain = Chain()
        var pipelined = PipelinedChain(head: .zero)
        for (i, record) in records.enumerated() {
            record.withUnsafeBytes { r in
                if i % 37 == 5 {
                    let digest = Hash.sha256(record).bytes
                    digest.withUnsafeBytes { plain.extend(withDigest: $0); pipelined.extend(withDigest: $0) }
                } else {
                    plain.extend(hashing: r)
                    pipelined.extend(hashing: r)
                }
            }
            if i % 50 == 0 { #expect(pipelined.head == plain.head, "after record \(i)") }
        }
        #expect(pipelined.linked.head == plain.head)
    }
}
