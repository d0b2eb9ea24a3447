// Two independent SHA-256 messages hashed together on the CPU's SHA extensions.
//
// One SHA-256 compression is a chain of 32 dependent `sha256rnds2` instructions, so a
// single message leaves most of the unit idle; two messages whose rounds are issued
// side by side keep it busy. The log uses this where two digests are independent: a
// record's digest next to the previous record's chain link (verify, append). The
// result is bit-for-bit SHA-256 (FIPS 180-4); tests compare it with OpenSSL for every
// message length up to 5,000 bytes in both positions. Without SHA extensions
// (checked once with CPUID), or off x86, both digests go through `licheng_sha256`.
// Included by shim.h after <openssl/sha.h>.
#pragma once
#include <stdint.h>
#include <string.h>

// A message as whole 64-byte blocks: those read in place from the caller's bytes,
// then one or two blocks holding the rest with the padding and the bit length.
typedef struct {
    const unsigned char *data;
    size_t direct;
    size_t count;
    unsigned char tail[128];
} licheng_sha256_message;

static inline void licheng_sha256_message_init(licheng_sha256_message *m, const unsigned char *p, size_t n) {
    m->data = p;
    m->direct = n / 64;
    size_t r = n - m->direct * 64;
    size_t tailBlocks = r < 56 ? 1 : 2;
    m->count = m->direct + tailBlocks;
    memset(m->tail, 0, sizeof m->tail);
    if (r > 0) memcpy(m->tail, p + m->direct * 64, r);
    m->tail[r] = 0x80;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++) m->tail[tailBlocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
}

static inline const unsigned char *licheng_sha256_block(const licheng_sha256_message *m, size_t i) {
    return i < m->direct ? m->data + 64 * i : m->tail + 64 * (i - m->direct);
}

// Writes the eight state words `h` (A..H) as the 32-byte big-endian digest.
static inline void licheng_sha256_store(const uint32_t h[8], unsigned char *out) {
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(h[i] >> 8);
        out[4 * i + 3] = (unsigned char)h[i];
    }
}

// SHA-256 of one message through OpenSSL's block function (SHA-NI when the CPU has it),
// without SHA256_Final's bookkeeping and cleansing: the whole blocks are read in place,
// the padded tail (one or two blocks) follows.
static inline void licheng_sha256(const unsigned char *p, size_t n, unsigned char *out) {
    licheng_sha256_message m;
    licheng_sha256_message_init(&m, p, n);
    SHA256_CTX c;
    SHA256_Init(&c);
    if (m.direct > 0) SHA256_Update(&c, m.data, m.direct * 64);
    SHA256_Update(&c, m.tail, (m.count - m.direct) * 64);
    licheng_sha256_store(c.h, out);
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

#define LICHENG_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#define LICHENG_SHA_INLINE static inline __attribute__((target("sha,sse4.1,ssse3"), always_inline))

static const uint32_t licheng_sha256_k[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// The state as the SHA extensions hold it: (A,B,E,F) and (C,D,G,H).
typedef struct { __m128i abef, cdgh; } licheng_sha256_state;

LICHENG_SHA_INLINE licheng_sha256_state licheng_sha256_start(void) {
    // H0 of FIPS 180-4, packed: abef = [F,E,B,A] and cdgh = [H,G,D,C] from lane 0 up.
    licheng_sha256_state s;
    s.abef = _mm_set_epi32(0x6a09e667, 0xbb67ae85, 0x510e527f, 0x9b05688c);
    s.cdgh = _mm_set_epi32(0x3c6ef372, 0xa54ff53a, 0x1f83d9ab, 0x5be0cd19);
    return s;
}

LICHENG_SHA_INLINE void licheng_sha256_finish(licheng_sha256_state s, unsigned char *out) {
    // abef = [F,E,B,A], cdgh = [H,G,D,C] (lane 0 first) -> A..H big-endian.
    uint32_t v[8];
    _mm_storeu_si128((__m128i *)v, s.abef);      // v = F,E,B,A
    _mm_storeu_si128((__m128i *)(v + 4), s.cdgh);  // v+4 = H,G,D,C
    uint32_t h[8] = {v[3], v[2], v[7], v[6], v[1], v[0], v[5], v[4]};
    licheng_sha256_store(h, out);
}

// Four rounds (t = 4*g ... 4*g+3) with message words `w` (W[t..t+3], lane 0 first).
#define LICHENG_SHA_ROUNDS(s, w, g)                                                         \
    do {                                                                                  \
        __m128i k_ = _mm_add_epi32((w), _mm_load_si128((const __m128i *)(licheng_sha256_k + 4 * (g)))); \
        (s).cdgh = _mm_sha256rnds2_epu32((s).cdgh, (s).abef, k_);                          \
        k_ = _mm_shuffle_epi32(k_, 0x0E);                                                 \
        (s).abef = _mm_sha256rnds2_epu32((s).abef, (s).cdgh, k_);                          \
    } while (0)

// The next four message words from the last sixteen (x0 oldest .. x3 newest).
#define LICHENG_SHA_SCHEDULE(x0, x1, x2, x3) \
    _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((x0), (x1)), _mm_alignr_epi8((x3), (x2), 4)), (x3))

#define LICHENG_SHA_LOAD(x, p, i) \
    __m128i x = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((p) + 16 * (i))), \
                                 _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL))

// One compression of block `p` into `s`. Groups 0-3 use the block's words; each later
// group g computes W[4g..4g+3] into the register of group g-4 (which it no longer needs).
LICHENG_SHA_INLINE void licheng_sha256_compress(licheng_sha256_state *s, const unsigned char *p) {
    licheng_sha256_state a = *s;
    LICHENG_SHA_LOAD(a0, p, 0); LICHENG_SHA_LOAD(a1, p, 1); LICHENG_SHA_LOAD(a2, p, 2); LICHENG_SHA_LOAD(a3, p, 3);
    LICHENG_SHA_ROUNDS(a, a0, 0);
    LICHENG_SHA_ROUNDS(a, a1, 1);
    LICHENG_SHA_ROUNDS(a, a2, 2);
    LICHENG_SHA_ROUNDS(a, a3, 3);
    a0 = LICHENG_SHA_SCHEDULE(a0, a1, a2, a3); LICHENG_SHA_ROUNDS(a, a0, 4);
    a1 = LICHENG_SHA_SCHEDULE(a1, a2, a3, a0); LICHENG_SHA_ROUNDS(a, a1, 5);
    a2 = LICHENG_SHA_SCHEDULE(a2, a3, a0, a1); LICHENG_SHA_ROUNDS(a, a2, 6);
    a3 = LICHENG_SHA_SCHEDULE(a3, a0, a1, a2); LICHENG_SHA_ROUNDS(a, a3, 7);
    a0 = LICHENG_SHA_SCHEDULE(a0, a1, a2, a3); LICHENG_SHA_ROUNDS(a, a0, 8);
    a1 = LICHENG_SHA_SCHEDULE(a1, a2, a3, a0); LICHENG_SHA_ROUNDS(a, a1, 9);
    a2 = LICHENG_SHA_SCHEDULE(a2, a3, a0, a1); LICHENG_SHA_ROUNDS(a, a2, 10);
    a3 = LICHENG_SHA_SCHEDULE(a3, a0, a1, a2); LICHENG_SHA_ROUNDS(a, a3, 11);
    a0 = LICHENG_SHA_SCHEDULE(a0, a1, a2, a3); LICHENG_SHA_ROUNDS(a, a0, 12);
    a1 = LICHENG_SHA_SCHEDULE(a1, a2, a3, a0); LICHENG_SHA_ROUNDS(a, a1, 13);
    a2 = LICHENG_SHA_SCHEDULE(a2, a3, a0, a1); LICHENG_SHA_ROUNDS(a, a2, 14);
    a3 = LICHENG_SHA_SCHEDULE(a3, a0, a1, a2); LICHENG_SHA_ROUNDS(a, a3, 15);
    s->abef = _mm_add_epi32(a.abef, s->abef);
    s->cdgh = _mm_add_epi32(a.cdgh, s->cdgh);
}

// Block `p` into `s` and block `q` into `t`, the two compressions' instructions side by side.
LICHENG_SHA_INLINE void licheng_sha256_compress2(licheng_sha256_state *s, const unsigned char *p,
                                                 licheng_sha256_state *t, const unsigned char *q) {
    licheng_sha256_state a = *s, b = *t;
    LICHENG_SHA_LOAD(a0, p, 0); LICHENG_SHA_LOAD(a1, p, 1); LICHENG_SHA_LOAD(a2, p, 2); LICHENG_SHA_LOAD(a3, p, 3);
    LICHENG_SHA_LOAD(b0, q, 0); LICHENG_SHA_LOAD(b1, q, 1); LICHENG_SHA_LOAD(b2, q, 2); LICHENG_SHA_LOAD(b3, q, 3);
    LICHENG_SHA_ROUNDS(a, a0, 0); LICHENG_SHA_ROUNDS(b, b0, 0);
    LICHENG_SHA_ROUNDS(a, a1, 1); LICHENG_SHA_ROUNDS(b, b1, 1);
    LICHENG_SHA_ROUNDS(a, a2, 2); LICHENG_SHA_ROUNDS(b, b2, 2);
    LICHENG_SHA_ROUNDS(a, a3, 3); LICHENG_SHA_ROUNDS(b, b3, 3);
    a0 = LICHENG_SHA_SCHEDULE(a0, a1, a2, a3); b0 = LICHENG_SHA_SCHEDULE(b0, b1, b2, b3);
    LICHENG_SHA_ROUNDS(a, a0, 4); LICHENG_SHA_ROUNDS(b, b0, 4);
    a1 = LICHENG_SHA_SCHEDULE(a1, a2, a3, a0); b1 = LICHENG_SHA_SCHEDULE(b1, b2, b3, b0);
    LICHENG_SHA_ROUNDS(a, a1, 5); LICHENG_SHA_ROUNDS(b, b1, 5);
    a2 = LICHENG_SHA_SCHEDULE(a2, a3, a0, a1); b2 = LICHENG_SHA_SCHEDULE(b2, b3, b0, b1);
    LICHENG_SHA_ROUNDS(a, a2, 6); LICHENG_SHA_ROUNDS(b, b2, 6);
    a3 = LICHENG_SHA_SCHEDULE(a3, a0, a1, a2); b3 = LICHENG_SHA_SCHEDULE(b3, b0, b1, b2);
    LICHENG_SHA_ROUNDS(a, a3, 7); LICHENG_SHA_ROUNDS(b, b3, 7);
    a0 = LICHENG_SHA_SCHEDULE(a0, a1, a2, a3); b0 = LICHENG_SHA_SCHEDULE(b0, b1, b2, b3);
    LICHENG_SHA_ROUNDS(a, a0, 8); LICHENG_SHA_ROUNDS(b, b0, 8);
    a1 = LICHENG_SHA_SCHEDULE(a1, a2, a3, a0); b1 = LICHENG_SHA_SCHEDULE(b1, b2, b3, b0);
    LICHENG_SHA_ROUNDS(a, a1, 9); LICHENG_SHA_ROUNDS(b, b1, 9);
    a2 = LICHENG_SHA_SCHEDULE(a2, a3, a0, a1); b2 = LICHENG_SHA_SCHEDULE(b2, b3, b0, b1);
    LICHENG_SHA_ROUNDS(a, a2, 10); LICHENG_SHA_ROUNDS(b, b2, 10);
    a3 = LICHENG_SHA_SCHEDULE(a3, a0, a1, a2); b3 = LICHENG_SHA_SCHEDULE(b3, b0, b1, b2);
    LICHENG_SHA_ROUNDS(a, a3, 11); LICHENG_SHA_ROUNDS(b, b3, 11);
    a0 = LICHENG_SHA_SCHEDULE(a0, a1, a2, a3); b0 = LICHENG_SHA_SCHEDULE(b0, b1, b2, b3);
    LICHENG_SHA_ROUNDS(a, a0, 12); LICHENG_SHA_ROUNDS(b, b0, 12);
    a1 = LICHENG_SHA_SCHEDULE(a1, a2, a3, a0); b1 = LICHENG_SHA_SCHEDULE(b1, b2, b3, b0);
    LICHENG_SHA_ROUNDS(a, a1, 13); LICHENG_SHA_ROUNDS(b, b1, 13);
    a2 = LICHENG_SHA_SCHEDULE(a2, a3, a0, a1); b2 = LICHENG_SHA_SCHEDULE(b2, b3, b0, b1);
    LICHENG_SHA_ROUNDS(a, a2, 14); LICHENG_SHA_ROUNDS(b, b2, 14);
    a3 = LICHENG_SHA_SCHEDULE(a3, a0, a1, a2); b3 = LICHENG_SHA_SCHEDULE(b3, b0, b1, b2);
    LICHENG_SHA_ROUNDS(a, a3, 15); LICHENG_SHA_ROUNDS(b, b3, 15);
    s->abef = _mm_add_epi32(a.abef, s->abef);
    s->cdgh = _mm_add_epi32(a.cdgh, s->cdgh);
    t->abef = _mm_add_epi32(b.abef, t->abef);
    t->cdgh = _mm_add_epi32(b.cdgh, t->cdgh);
}

LICHENG_SHA_TARGET static void licheng_sha256_pair_ni(const unsigned char *pa, size_t na, unsigned char *outa,
                                                       const unsigned char *pb, size_t nb, unsigned char *outb) {
    licheng_sha256_message ma, mb;
    licheng_sha256_message_init(&ma, pa, na);
    licheng_sha256_message_init(&mb, pb, nb);
    licheng_sha256_state sa = licheng_sha256_start(), sb = licheng_sha256_start();
    size_t both = ma.count < mb.count ? ma.count : mb.count;
    size_t i = 0;
    for (; i < both; i++) licheng_sha256_compress2(&sa, licheng_sha256_block(&ma, i), &sb, licheng_sha256_block(&mb, i));
    for (size_t j = i; j < ma.count; j++) licheng_sha256_compress(&sa, licheng_sha256_block(&ma, j));
    for (size_t j = i; j < mb.count; j++) licheng_sha256_compress(&sb, licheng_sha256_block(&mb, j));
    licheng_sha256_finish(sa, outa);
    licheng_sha256_finish(sb, outb);
}

// 1: the CPU has the SHA extensions (CPUID leaf 7, EBX bit 29) and SSE4.1; 0: not.
// Asked once; threads that ask at the same time store the same answer (atomically).
static inline int licheng_cpu_has_sha(void) {
    static int known = -1;
    int answer = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (answer < 0) {
        unsigned a, b, c, d;
        int sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
        int sse41 = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19));
        answer = sha && sse41;
        __atomic_store_n(&known, answer, __ATOMIC_RELAXED);
    }
    return answer;
}
#endif

// SHA-256 of two independent messages: `outa` = SHA-256(pa[0..<na]), `outb` = SHA-256(pb[0..<nb]).
static inline void licheng_sha256_pair(const unsigned char *pa, size_t na, unsigned char *outa,
                                       const unsigned char *pb, size_t nb, unsigned char *outb) {
#if defined(__x86_64__) || defined(__i386__)
    if (licheng_cpu_has_sha()) {
        licheng_sha256_pair_ni(pa, na, outa, pb, nb, outb);
        return;
    }
#endif
    licheng_sha256(pa, na, outa);
    licheng_sha256(pb, nb, outb);
}
