package dev.llmcache.cache.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The admin API key, kept as its SHA-256 hash only, and the check of a request's
 * {@code Authorization: Bearer <key>} against it in constant time.
 */
public final class AdminKey {

    /** What a request's credentials amount to. */
    public enum Verdict { ACCEPTED, MISSING, WRONG }

    private static final String BEARER = "Bearer ";

    private final byte[] hash;

    /** @param key the configured key; null or blank disables the admin API (every request is refused) */
    public AdminKey(String key) {
        this.hash = key == null || key.isBlank() ? null : sha256(key.strip());
    }

    public boolean enabled() {
        return hash != null;
    }

    public Verdict check(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Verdict.MISSING;
        }
        if (hash == null) {
            return Verdict.WRONG;
        }
        String presented = authorization.substring(BEARER.length()).strip();
        return MessageDigest.isEqual(hash, sha256(presented)) ? Verdict.ACCEPTED : Verdict.WRONG;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
