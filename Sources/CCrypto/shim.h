// The low-level SHA-256 interface is deprecated in OpenSSL 3 but is the
// fastest path here (no provider dispatch, SHA-NI assembly underneath).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
// Ed25519 (checkpoint and bundle signatures): EVP_PKEY_new_raw_private_key,
// EVP_PKEY_get_raw_public_key, EVP_DigestSign / EVP_DigestVerify with EVP_PKEY_ED25519.
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <string.h>

// SHA-256 of a message (a record, a chain link) without SHA256_Final's bookkeeping
// and cleansing. The message is copied with its padding into a stack buffer and
// handed to SHA256_Update whole, so the block function (SHA-NI when the CPU has it)
// runs once over all its blocks. Messages over 4,032 bytes take the context path.
static inline void licheng_sha256(const unsigned char *p, size_t n, unsigned char *out) {
    SHA256_CTX c;
    SHA256_Init(&c);
    if (n > 4032) {
        SHA256_Update(&c, p, n);
        SHA256_Final(out, &c);
        return;
    }
    unsigned char padded[4096];
    size_t blocks = (n + 8) / 64 + 1;
    if (n > 0) memcpy(padded, p, n);
    padded[n] = 0x80;
    memset(padded + n + 1, 0, blocks * 64 - n - 1 - 8);
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++) padded[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
    SHA256_Update(&c, padded, blocks * 64);
    for (int i = 0; i < 8; i++) {
        uint32_t v = c.h[i];
        out[4 * i] = (unsigned char)(v >> 24);
        out[4 * i + 1] = (unsigned char)(v >> 16);
        out[4 * i + 2] = (unsigned char)(v >> 8);
        out[4 * i + 3] = (unsigned char)v;
    }
}
#include "sha256_pair.h"
