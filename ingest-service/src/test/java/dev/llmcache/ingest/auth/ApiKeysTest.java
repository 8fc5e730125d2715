package dev.llmcache.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmcache.common.auth.BearerCredentials;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.app.IngestProperties.ApiKey;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    private final ApiKeys keys = new ApiKeys(List.of(
            new ApiKey("team-a-prod", BearerCredentials.sha256Hex("sk-a"), "team-a", List.of("docs"), false),
            new ApiKey("team-a-old", BearerCredentials.sha256Hex("sk-old"), "team-a", null, true)));

    @Test
    void aValidKeyIsItsTenantWithItsNamespaces() {
        Caller caller = keys.authenticate("Bearer sk-a");

        assertThat(caller.keyId()).isEqualTo("team-a-prod");
        assertThat(caller.tenant()).isEqualTo("team-a");
        assertThat(caller.mayUse("team-a")).isTrue();
        assertThat(caller.mayUse("docs")).isTrue();
        assertThat(caller.mayUse("team-b")).isFalse();
    }

    @Test
    void aMissingUnknownOrRevokedKeyIs401AndTheKeyIsNeverEchoed() {
        assertThat(refusal(null)).extracting(e -> e.error().code()).isEqualTo("missing_api_key");
        assertThat(refusal("Basic c2stYQ==")).extracting(e -> e.error().code()).isEqualTo("missing_api_key");
        assertThat(refusal("Bearer " + "x".repeat(BearerCredentials.MAX_KEY_LENGTH + 1)))
                .extracting(e -> e.error().code()).isEqualTo("missing_api_key");
        ApiException unknown = refusal("Bearer sk-guess");
        assertThat(unknown.error().status()).isEqualTo(401);
        assertThat(unknown.error().code()).isEqualTo("invalid_api_key");
        assertThat(unknown.getMessage()).doesNotContain("sk-guess");
        ApiException revoked = refusal("Bearer sk-old");
        assertThat(revoked.error().status()).isEqualTo(401);
        assertThat(revoked.getMessage()).contains("revoked").doesNotContain("sk-old");
    }

    @Test
    void withoutKeysTheApiIsOpenAndHeadersNameTheTenant() {
        ApiKeys none = new ApiKeys(List.of());

        assertThat(none.open()).isTrue();
        assertThat(none.authenticate(null)).isEqualTo(Caller.OPEN);
        assertThat(Caller.OPEN.authenticated()).isFalse();
        assertThat(Caller.OPEN.mayUse("anything")).isTrue();
    }

    @Test
    void aKeyConfiguredInsteadOfItsHashIsRefusedAtStartup() {
        assertThatThrownBy(() -> new ApiKeys(List.of(new ApiKey("k", "sk-plain-key", "t", null, false))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sha256")
                .hasMessageNotContaining("sk-plain-key");
        String hash = BearerCredentials.sha256Hex("sk");
        assertThatThrownBy(() -> new ApiKeys(List.of(new ApiKey("one", hash, "t", null, false),
                new ApiKey("two", hash.toUpperCase(), "u", null, false))))
                .hasMessageContaining("twice");
    }

    private ApiException refusal(String authorization) {
        try {
            keys.authenticate(authorization);
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("accepted " + authorization);
    }
}
