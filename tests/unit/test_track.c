/*
 * test_track.c — signed links and the scanner filter: a token is good for
 * its own kind, id and URL only (no moving digits between the id and the
 * URL, no using an open token as a click or an unsubscribe), tampered or
 * truncated tokens fail, secrets up to 200 characters work; and which opens
 * and clicks the filter keeps out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "channel/track.h"

static const char *const SECRET = "a-workspace-secret-0123456789abcdef";

static void test_tokens(void **state)
{
    (void)state;
    char t[64];
    link_token(SECRET, LINK_CLICK, 123, "http://shop.example/x", t, sizeof t);
    assert_int_equal(link_check(SECRET, LINK_CLICK, t, "http://shop.example/x"), 123);
    /* another URL, another kind, another secret */
    assert_int_equal(link_check(SECRET, LINK_CLICK, t, "http://evil.example/x"), -1);
    assert_int_equal(link_check(SECRET, LINK_OPEN, t, NULL), -1);
    assert_int_equal(link_check(SECRET, LINK_UNSUBSCRIBE, t, NULL), -1);
    assert_int_equal(link_check("another-secret-0123456789", LINK_CLICK, t, "http://shop.example/x"), -1);
    /* digits moved from the id to the URL: "12" + "3http..." is not "123" + "http..." */
    const char *mac = strchr(t, '.');
    char moved[80];
    snprintf(moved, sizeof moved, "12%s", mac);
    assert_int_equal(link_check(SECRET, LINK_CLICK, moved, "3http://shop.example/x"), -1);
    snprintf(moved, sizeof moved, "1%s", mac);
    assert_int_equal(link_check(SECRET, LINK_CLICK, moved, "23http://shop.example/x"), -1);
    /* tampered, truncated, malformed */
    char bad[64];
    memcpy(bad, t, sizeof bad);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    assert_int_equal(link_check(SECRET, LINK_CLICK, bad, "http://shop.example/x"), -1);
    bad[strlen(bad) - 1] = '\0';
    assert_int_equal(link_check(SECRET, LINK_CLICK, bad, "http://shop.example/x"), -1);
    static const char *const junk[] = {"", ".", "abc", "0.00", "-1.00", "123", "123."};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_int_equal(link_check(SECRET, LINK_OPEN, junk[i], NULL), -1);
    assert_int_equal(link_check("", LINK_OPEN, t, NULL), -1);
    /* a long secret, as the setting allows */
    char longsecret[201];
    memset(longsecret, 'k', 200);
    longsecret[200] = '\0';
    link_token(longsecret, LINK_PREFERENCES, 7, NULL, t, sizeof t);
    assert_int_equal(link_check(longsecret, LINK_PREFERENCES, t, NULL), 7);
}

static void test_filter(void **state)
{
    (void)state;
    const char *firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const int64_t sent = 1000000;
    assert_null(track_filter(firefox, false, sent + 1, sent));
    assert_null(track_filter(firefox, true, sent + TRACK_CLICK_GRACE_MS, sent));
    assert_string_equal(track_filter(firefox, true, sent + TRACK_CLICK_GRACE_MS - 1, sent), "too fast");
    assert_string_equal(track_filter(firefox, false, sent - 1, sent), "before delivery");
    assert_string_equal(track_filter(firefox, false, sent, 0), "before delivery");
    static const char *const scanners[] = {"Mimecast URL Protect", "Barracuda Sentinel",
                                           "Mozilla/5.0 (compatible; Googlebot/2.1)",
                                           "Proofpoint", "curl/8.1", "python-requests/2.31",
                                           "Microsoft Office SafeLinks", "Slackbot-LinkExpanding"};
    for (size_t i = 0; i < sizeof scanners / sizeof scanners[0]; i++)
        assert_string_equal(track_filter(scanners[i], false, sent + 60000, sent), "scanner");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
