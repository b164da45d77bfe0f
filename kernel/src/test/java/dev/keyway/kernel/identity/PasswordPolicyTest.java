package dev.keyway.kernel.identity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordPolicyTest {
    private final PasswordPolicy policy = PasswordPolicy.standard();

    @Test
    void acceptsALongUncommonPassphrase() {
        assertThat(policy.violations("tangerine-orbit-saxophone", "alice")).isEmpty();
    }

    @Test
    void refusesPasswordsShorterThanTwelveCharacters() {
        assertThat(policy.violations("xK9#mQ2$vL7", "alice")).containsExactly("must be at least 12 characters");
        assertThat(policy.violations("xK9#mQ2$vL7!", "alice")).isEmpty();
    }

    @Test
    void refusesPasswordsContainingTheUsernameIgnoringCase() {
        assertThat(policy.violations("Alice.Wonderland", "alice")).containsExactly("must not contain the username");
        assertThat(policy.violations("margaret.smith", "Margaret.Smith")).contains("must not contain the username");
        assertThat(policy.violations("tangerine-orbit-saxophone", null)).isEmpty();
    }

    @Test
    void refusesCommonPasswordsIgnoringCase() {
        assertThat(policy.violations("Password1234", "alice")).singleElement().asString()
                .startsWith("is one of the most common passwords");
        assertThat(policy.violations("QWERTY123456", "alice")).hasSize(1);
        // Short common ones break both rules.
        assertThat(policy.violations("letmein", "alice")).hasSize(2);
    }

    @Test
    void refusesAbsurdlyLongPasswords() {
        assertThat(policy.violations("a".repeat(PasswordPolicy.MAX_LENGTH + 1), "alice"))
                .contains("must be at most " + PasswordPolicy.MAX_LENGTH + " characters");
    }

    @Test
    void messagesNeverQuoteThePassword() {
        for (String pw : new String[]{"short1", "Password1234", "alicealicealice"}) {
            assertThat(String.join(" ", policy.violations(pw, "alice"))).doesNotContainIgnoringCase(pw);
        }
    }

    @Test
    void shipsAListOfAtLeastTwoHundredCommonPasswords() {
        assertThat(policy.commonCount()).isGreaterThanOrEqualTo(200);
    }
}
