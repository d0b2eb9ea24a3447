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

// licheng_sha256 (one message) and licheng_sha256_pair (two side by side).
#include "sha256_pair.h"
