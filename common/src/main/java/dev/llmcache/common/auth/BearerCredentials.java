package dev.llmcache.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The {@code Authorization: Bearer <key>} credentials of a request, and the SHA-256 hashes keys
 * are configured and compared as: the product never keeps a key itself, so neither its
 * configuration nor a heap dump gives one away.
 */
public final class BearerCredentials {

    /** Longest key accepted: a longer one is refused before it is hashed. */
    public static final int MAX_KEY_LENGTH = 512;

    private static final String BEARER = "Bearer ";

    private BearerCredentials() {
    }

    /** The key of an {@code Authorization} header value; null without one (or another scheme, or too long). */
    public static String keyOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String key = authorization.substring(BEARER.length()).strip();
        return key.isEmpty() || key.length() > MAX_KEY_LENGTH ? null : key;
    }

    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The hash as configured: 64 lower-case hex digits, what {@code printf %s KEY | sha256sum} prints. */
    public static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }
}
