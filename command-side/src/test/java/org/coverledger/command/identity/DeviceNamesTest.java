package org.coverledger.command.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Device names from real user agents, by the ua-parser rules: what a customer sees in their device list. */
class DeviceNamesTest {

    private final DeviceNames names = new DeviceNames();

    @Test
    void a_browser_on_a_system_without_versions() {
        assertThat(names.of("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/124.0.0.0 Mobile Safari/537.36")).isEqualTo("Chrome Mobile on Android");
        assertThat(names.of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                + "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")).isEqualTo("Mobile Safari on iOS");
        assertThat(names.of("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"))
                .isEqualTo("Firefox on Linux");
    }

    @Test
    void tools_and_nothing_at_all() {
        assertThat(names.of("curl/8.5.0")).isEqualTo("curl");
        assertThat(names.of(null)).isEqualTo("unknown device");
        assertThat(names.of("   ")).isEqualTo("unknown device");
        assertThat(names.of("\u0007\u202e")).isEqualTo("unknown device");
    }
}
