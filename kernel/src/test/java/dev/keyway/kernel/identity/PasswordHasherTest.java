package dev.keyway.kernel.identity;

import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PasswordHasherTest {
    // Few iterations keep the tests fast; the encoded count makes every hash verify whatever made it.
    private final PasswordHasher hasher = new PasswordHasher(1_000);

    @Test
    void verifiesTheRightPasswordOnly() {
        String encoded = hasher.hash("correct horse battery");
        assertThat(hasher.verify("correct horse battery", encoded)).isTrue();
        assertThat(hasher.verify("correct horse batterY", encoded)).isFalse();
        assertThat(hasher.verify("", encoded)).isFalse();
    }

    @Test
    void encodesSchemeIterationsSaltAndHashWithoutThePassword() {
        String encoded = hasher.hash("correct horse battery");
        String[] parts = encoded.split("\\$");
        assertThat(parts).hasSize(4);
        assertThat(parts[0]).isEqualTo("pbkdf2-sha256");
        assertThat(parts[1]).isEqualTo("1000");
        assertThat(Base64.getDecoder().decode(parts[2])).hasSize(16);
        assertThat(Base64.getDecoder().decode(parts[3])).hasSize(32);
        assertThat(encoded).doesNotContain("correct");
    }

    @Test
    void saltsEveryHash() {
        assertThat(hasher.hash("same password!")).isNotEqualTo(hasher.hash("same password!"));
    }

    @Test
    void standardHasherUsesAtLeast600kIterations() {
        PasswordHasher standard = PasswordHasher.standard();
        String encoded = standard.hash("correct horse battery");
        assertThat(Integer.parseInt(encoded.split("\\$")[1])).isGreaterThanOrEqualTo(600_000);
        // A hash made with other settings still verifies: the count travels with it.
        assertThat(standard.verify("correct horse battery", hasher.hash("correct horse battery"))).isTrue();
    }

    @Test
    void neverMatchesMalformedOrMissingHashes() {
        String good = hasher.hash("correct horse battery");
        String[] parts = good.split("\\$");
        for (String bad : new String[]{null, "", "plain", "md5$1000$" + parts[2] + "$" + parts[3],
                "pbkdf2-sha256$0$" + parts[2] + "$" + parts[3], "pbkdf2-sha256$x$" + parts[2] + "$" + parts[3],
                "pbkdf2-sha256$1000$" + parts[2] + "$AAAA", "pbkdf2-sha256$1000$!!$" + parts[3],
                "pbkdf2-sha256$99999999999$" + parts[2] + "$" + parts[3]}) {
            assertThat(hasher.verify("correct horse battery", bad)).as(bad).isFalse();
        }
    }

    @Test
    void decoysLookLikeHashesButMatchNothing() {
        String decoy = hasher.decoy();
        assertThat(decoy).matches("pbkdf2-sha256\\$1000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        assertThat(hasher.verify("", decoy)).isFalse();
        assertThat(hasher.verify("correct horse battery", decoy)).isFalse();
    }

    @Test
    void refusesNonsenseIterationCounts() {
        assertThatThrownBy(() -> new PasswordHasher(0)).hasMessageContaining("iterations: 0");
    }
}
