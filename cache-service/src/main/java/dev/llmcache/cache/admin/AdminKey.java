package dev.llmcache.cache.admin;

import dev.llmcache.common.auth.BearerCredentials;
import java.security.MessageDigest;

/**
 * The admin API key, kept as its SHA-256 hash only, and the check of a request's
 * {@code Authorization: Bearer <key>} against it in constant time.
 */
public final class AdminKey {

    /** What a request's credentials amount to. */
    public enum Verdict { ACCEPTED, MISSING, WRONG }

    private final byte[] hash;

    /** @param key the configured key; null or blank disables the admin API (every request is refused) */
    public AdminKey(String key) {
        this(key == null || key.isBlank() ? null : BearerCredentials.sha256(key.strip()));
    }

    private AdminKey(byte[] hash) {
        this.hash = hash;
    }

    /**
     * The key configured as the key or as its SHA-256 in hex (not both).
     *
     * @throws IllegalArgumentException if both are set or the hash is not 64 hex digits
     */
    public static AdminKey configured(String key, String sha256) {
        if (sha256 == null || sha256.isBlank()) {
            return new AdminKey(key);
        }
        if (key != null && !key.isBlank()) {
            throw new IllegalArgumentException("Set the admin key or its sha256, not both");
        }
        if (!sha256.strip().matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("llmcache.admin.api-key-sha256 must be 64 hex digits"
                    + " (printf %s KEY | sha256sum)");
        }
        return new AdminKey(java.util.HexFormat.of().parseHex(sha256.strip()));
    }

    public boolean enabled() {
        return hash != null;
    }

    public Verdict check(String authorization) {
        String presented = BearerCredentials.keyOf(authorization);
        if (presented == null) {
            return Verdict.MISSING;
        }
        if (hash == null) {
            return Verdict.WRONG;
        }
        return MessageDigest.isEqual(hash, BearerCredentials.sha256(presented)) ? Verdict.ACCEPTED : Verdict.WRONG;
    }
}
