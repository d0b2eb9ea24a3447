// The low-level SHA-256 interface is deprecated in OpenSSL 3 but is the
// fastest path here (no provider dispatch, SHA-NI assembly underneath).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
