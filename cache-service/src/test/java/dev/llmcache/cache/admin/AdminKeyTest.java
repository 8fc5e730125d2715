package dev.llmcache.cache.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmcache.common.auth.BearerCredentials;
import org.junit.jupiter.api.Test;

class AdminKeyTest {

    @Test
    void theKeyOrItsHashAcceptsTheKeyAndNothingElse() {
        for (AdminKey key : new AdminKey[] {AdminKey.configured("s3cret", null),
                AdminKey.configured(null, BearerCredentials.sha256Hex("s3cret"))}) {
            assertThat(key.check("Bearer s3cret")).isEqualTo(AdminKey.Verdict.ACCEPTED);
            assertThat(key.check("Bearer s3cret2")).isEqualTo(AdminKey.Verdict.WRONG);
            assertThat(key.check("Basic s3cret")).isEqualTo(AdminKey.Verdict.MISSING);
            assertThat(key.check(null)).isEqualTo(AdminKey.Verdict.MISSING);
        }
    }

    @Test
    void withoutAKeyEveryRequestIsRefusedAndABadHashStopsTheStart() {
        AdminKey none = AdminKey.configured(null, null);

        assertThat(none.enabled()).isFalse();
        assertThat(none.check("Bearer anything")).isEqualTo(AdminKey.Verdict.WRONG);
        assertThatThrownBy(() -> AdminKey.configured(null, "s3cret")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdminKey.configured("s3cret", BearerCredentials.sha256Hex("s3cret")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
