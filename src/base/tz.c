/*
 * tz.c — time-zone offsets through GLib's GTimeZone.
 *
 * The cache holds the GTimeZone of each name asked for (at most TZ_MAX; past
 * that a zone is looked up and dropped per call, which is slower but right).
 * Entries are never removed, so a pointer read under the lock stays valid.
 */
#include "base/tz.h"

#include <glib.h>
#include <pthread.h>
#include <string.h>

#include "base/err.h"

struct tz_entry {
    char name[64];
    GTimeZone *zone; /* NULL: not a known zone */
};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz_entry tz_cache[TZ_MAX];
static int tz_count;

static bool is_utc(const char *name)
{
    return !name || !*name || !strcmp(name, "UTC") || !strcmp(name, "Etc/UTC");
}

/* The zone of name, or NULL when unknown. *owned: the caller must unref it. */
static GTimeZone *zone_get(const char *name, bool *owned)
{
    *owned = false;
    if (strlen(name) >= sizeof tz_cache[0].name)
        return NULL;
    pthread_mutex_lock(&tz_lock);
    for (int i = 0; i < tz_count; i++)
        if (!strcmp(tz_cache[i].name, name)) {
            GTimeZone *z = tz_cache[i].zone;
            pthread_mutex_unlock(&tz_lock);
            return z;
        }
    /* g_time_zone_new_identifier returns NULL for a name tzdata lacks. */
    GTimeZone *z = g_time_zone_new_identifier(name);
    if (tz_count < TZ_MAX) {
        memcpy(tz_cache[tz_count].name, name, strlen(name) + 1);
        tz_cache[tz_count].zone = z;
        tz_count++;
    } else {
        *owned = z != NULL;
    }
    pthread_mutex_unlock(&tz_lock);
    return z;
}

int tz_check(const char *name, struct errbuf *eb)
{
    if (is_utc(name))
        return 0;
    bool owned;
    GTimeZone *z = NULL;
    /* Names are paths in tzdata: refuse anything that could leave it. */
    if (name[0] != '/' && !strstr(name, ".."))
        z = zone_get(name, &owned);
    if (!z)
        return err_field(eb, ERR_INVALID, "timezone",
                       "\"%s\" is not a known time zone; use an IANA name such as "
                       "\"Europe/Brussels\" or \"UTC\"",
                       name);
    if (owned)
        g_time_zone_unref(z);
    return 0;
}

int32_t tz_offset_at(const char *name, int64_t at_ms)
{
    if (is_utc(name) || name[0] == '/' || strstr(name, ".."))
        return 0;
    bool owned;
    GTimeZone *z = zone_get(name, &owned);
    if (!z)
        return 0;
    gint64 secs = at_ms >= 0 ? at_ms / 1000 : -((-at_ms + 999) / 1000);
    int interval = g_time_zone_find_interval(z, G_TIME_TYPE_UNIVERSAL, secs);
    int32_t off = interval < 0 ? 0 : g_time_zone_get_offset(z, interval);
    if (owned)
        g_time_zone_unref(z);
    return off;
}

int64_t tz_to_utc(const char *name, int64_t local_ms)
{
    /*
     * The offsets a day before and a day after bound every reading (no zone
     * changes twice in two days). A reading that holds with both is an
     * overlap: the earlier moment. One that holds with neither is in a gap:
     * read with the offset before it, which moves it forward by the gap.
     */
    const int64_t day = 86400000;
    int32_t before = tz_offset_at(name, local_ms - day);
    int32_t after = tz_offset_at(name, local_ms + day);
    int64_t ta = local_ms - (int64_t)before * 1000;
    int64_t tb = local_ms - (int64_t)after * 1000;
    bool a_holds = tz_offset_at(name, ta) == before;
    bool b_holds = tz_offset_at(name, tb) == after;
    if (a_holds && b_holds)
        return ta < tb ? ta : tb;
    if (b_holds)
        return tb;
    return ta;
}
