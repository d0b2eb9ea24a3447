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
}
