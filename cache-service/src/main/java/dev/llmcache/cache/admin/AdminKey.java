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
        this.hash = key == null || key.isBlank() ? null : BearerCredentials.sha256(key.strip());
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
