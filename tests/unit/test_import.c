/*
 * test_import.c — CSV profile files through import_file() (and
 * import_retry()) into a real temp store: mapping, cleaning, idempotent
 * writes, quarantine. The fixture (import_fixture.h) gives each test a fresh
 * workspace and a clock that moves a second after every import; the
 * idempotency tests compare a dump of every table the import writes.
 *
 * Covered: profiles with rondo's own column names (cleaned golden fields,
 * identities, raw record with payload and corrections, custom attributes,
 * a BOM before the header); importing the same files twice changes
 * nothing, quarantined rows and consents without a time included; a
 * changed row is a new current raw record, and so is a row read through a
 * renamed column or another mapping; an id twice in one file; a user id
 * known before its first record; mapping files ([import] options, a Dutch
 * [profiles] section, a column mapped twice, attr.X, ignore, the semicolon
 * delimiter) and their errors; Latin-1 files; test records quarantined and
 * retried. test_import_tables.c has the other tables.
 */
#include "import_fixture.h"

static void test_profiles_canonical_headers(void **state)
{
    struct fixture *f = *state;
    struct run r = ok_csv(f, "profiles.csv", PROFILES, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 2, 0, 0, 0);
    assert_true(r.st.corrected >= 1);
    assert_int_equal(r.st.fields_corrected[PF_EMAIL], 1);
    assert_int_equal(r.st.fields_corrected[PF_COUNTRY], 1); /* "BE" was right as given */
    assert_int_equal(r.st.fields_corrected[PF_BIRTH_DATE], 1);
    assert_string_equal(r.unmapped, "vip");

    /* golden fields, cleaned */
    assert_field(f, "c1", "first_name", "Ann");
    assert_field(f, "c1", "last_name", "Smith");
    assert_field(f, "c1", "email", "Ann.Smith@gmail.com");
    assert_field(f, "c1", "phone", "+32475123456");
    assert_field(f, "c1", "country", "BE");
    assert_field(f, "c1", "birth_date", "1985-04-03");
    assert_field(f, "c1", "city", "Gent");
    assert_field(f, "c1", "source", SRC);
    assert_field(f, "c2", "phone", "+32486112233");
    assert_field(f, "c2", "birth_date", "1990-12-31");
    assert_field(f, "c2", "country", "BE");
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);

    /* custom attributes from the unknown column; a blank value sets none */
    json_t *a = json_loads(field_of(f, "c1", "attributes"), 0, NULL);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "vip")), "yes");
    json_decref(a);
    a = json_loads(field_of(f, "c2", "attributes"), 0, NULL);
    assert_non_null(a);
    assert_null(json_object_get(a, "vip"));
    json_decref(a);

    /* identities: user_id per source, e-mail and phone global */
    int64_t p1 = pid_of(f, "c1"), p2 = pid_of(f, "c2");
    assert_int_not_equal(p1, p2);
    int64_t id = 0;
    assert_int_equal(store_identity_find(f->s, "user_id", "c1", SRC, &id), 0);
    assert_int_equal(id, p1);
    assert_int_equal(store_identity_find(f->s, "user_id", "c1", "web", &id), ERR_NOT_FOUND);
    assert_int_equal(store_identity_find(f->s, "email", "ann.smith@gmail.com", "", &id), 0);
    assert_int_equal(id, p1);
    assert_int_equal(store_identity_find(f->s, "phone", "+32475123456", "", &id), 0);
    assert_int_equal(id, p1);
    assert_int_equal(store_identity_find(f->s, "email", "bram@telenet.be", "", &id), 0);
    assert_int_equal(id, p2);
    assert_int_equal(store_identity_find(f->s, "phone", "+32486112233", "", &id), 0);
    assert_int_equal(id, p2);

    /* the raw record: the row as given, current, with its hash and what cleaning did */
    assert_sql_int(f, 1, "SELECT count(*) FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_str(f,
                   "{\"external_id\":\"c1\",\"first_name\":\"ann\",\"last_name\":\"SMITH\","
                   "\"email\":\"Ann.Smith@gmial.com\",\"phone\":\"0475 12 34 56\","
                   "\"country\":\"Belgium\",\"birth_date\":\"03/04/1985\",\"city\":\"gent\","
                   "\"vip\":\"yes\"}",
                   "SELECT payload FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_str(f, "import", "SELECT kind FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_str(f, SRC, "SELECT source FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_int(f, p1, "SELECT profile_id FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_int(f, NOW, "SELECT received_at FROM raw_records WHERE external_id = ?1", "c1");
    assert_sql_int(f, 1,
                   "SELECT superseded_at IS NULL AND row_hash IS NOT NULL AND row_hash <> 0"
                   " FROM raw_records WHERE external_id = ?1",
                   "c1");
    assert_sql_int(f, 1, "SELECT (corrected_mask >> 5) & 1 FROM raw_records WHERE external_id = ?1",
                   "c1"); /* PF_EMAIL */
    assert_sql_int(f, 0, "SELECT (corrected_mask >> 5) & 1 FROM raw_records WHERE external_id = ?1",
                   "c2");
    assert_sql_str(f, "ann.smith@gmail.com",
                   "SELECT email_key FROM raw_records WHERE external_id = ?1", "c1");

    json_t *cleaned = json_loads(
        q_text(f, "SELECT cleaned FROM raw_records WHERE external_id = ?1", "c1"), 0, NULL);
    assert_non_null(cleaned);
    assert_string_equal(json_string_value(json_object_get(cleaned, "email")),
                        "Ann.Smith@gmail.com");
    assert_string_equal(json_string_value(json_object_get(cleaned, "country")), "BE");
    json_decref(cleaned);

    json_t *fixes = json_loads(
        q_text(f, "SELECT corrections FROM raw_records WHERE external_id = ?1", "c1"), 0, NULL);
    assert_true(json_is_array(fixes));
    bool typo = false, e164 = false;
    size_t i;
    json_t *x;
    json_array_foreach(fixes, i, x)
    {
        const char *field = json_string_value(json_object_get(x, "field"));
        const char *rule = json_string_value(json_object_get(x, "rule"));
        const char *before = json_string_value(json_object_get(x, "before"));
        const char *after = json_string_value(json_object_get(x, "after"));
        assert_non_null(field);
        assert_non_null(rule);
        if (strcmp(rule, "email.typo_domain") == 0) {
            typo = true;
            assert_string_equal(field, "email");
            assert_string_equal(before, "Ann.Smith@gmial.com");
            assert_string_equal(after, "Ann.Smith@gmail.com");
        }
        if (strcmp(field, "phone") == 0) {
            e164 = true;
            assert_string_equal(before, "0475 12 34 56");
            assert_string_equal(after, "+32475123456");
        }
    }
    assert_true(typo);
    assert_true(e164);
    json_decref(fixes);
}

/* A UTF-8 byte-order mark before the header is not part of the first column's name. */
static void test_profiles_bom_header(void **state)
{
    struct fixture *f = *state;
    struct run r = ok_csv(f, "bom.csv",
                          "\xEF\xBB\xBF"
                          "external_id;first_name\nc1;Ann\n",
                          IMP_PROFILES, NULL);
    assert_stats(&r, 1, 1, 0, 0, 0);
    assert_string_equal(r.unmapped, "");
    assert_field(f, "c1", "first_name", "Ann");
    assert_sql_str(f, "{\"external_id\":\"c1\",\"first_name\":\"Ann\"}",
                   "SELECT payload FROM raw_records WHERE external_id = ?1", "c1");
}

/* ---- importing twice ------------------------------------------------------------------- */






/* Acceptance criterion: "Import twice: the second import changes nothing". */
static void test_import_twice_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct run r;
    r = ok_csv(f, "profiles.csv", PROFILES_WITH_TEST, IMP_PROFILES, NULL);
    assert_stats(&r, 3, 2, 0, 0, 1);
    r = ok_csv(f, "orders.csv", ORDERS, IMP_ORDERS, NULL);
    assert_stats(&r, 3, 2, 0, 0, 1);
    r = ok_csv(f, "lines.csv", LINES, IMP_ORDER_LINES, NULL);
    assert_stats(&r, 4, 3, 0, 0, 1);
    r = ok_csv(f, "events.csv", EVENTS, IMP_EVENTS, NULL);
    assert_stats(&r, 4, 3, 0, 0, 1);
    r = ok_csv(f, "consents.csv", CONSENTS, IMP_CONSENTS, NULL);
    assert_stats(&r, 3, 3, 0, 0, 0);
    struct dump before = dump_db(f);
    assert_sql_int(f, 4, "SELECT count(*) FROM quarantine", NULL);

    /* the same files again, later */
    clock_advance(3600 * 1000);
    r = ok_csv(f, "profiles.csv", PROFILES_WITH_TEST, IMP_PROFILES, NULL);
    assert_stats(&r, 3, 0, 0, 2, 1);
    assert_int_equal(r.st.corrected, 0);
    r = ok_csv(f, "orders.csv", ORDERS, IMP_ORDERS, NULL);
    assert_stats(&r, 3, 0, 0, 2, 1);
    r = ok_csv(f, "lines.csv", LINES, IMP_ORDER_LINES, NULL);
    assert_stats(&r, 4, 0, 0, 3, 1);
    r = ok_csv(f, "events.csv", EVENTS, IMP_EVENTS, NULL);
    assert_stats(&r, 4, 0, 0, 3, 1);
    r = ok_csv(f, "consents.csv", CONSENTS, IMP_CONSENTS, NULL);
    assert_stats(&r, 3, 0, 0, 3, 0);
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);
}

/*
 * Rows quarantined before their key is known (wrong number of fields, an
 * empty external id), imported twice, are still one quarantined row each:
 * the second import changes nothing.
 */
static void test_import_twice_bad_row_quarantined_once(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "external_id,first_name,last_name,email\n"
                              "c1,Ann,Smith,ann@x.be\n"
                              "c2,Smith, Bo,Bo,bo@x.be\n"
                              "c3,Cas\n"
                              ",Dirk,Dobbel,dirk@x.be\n";
    ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_sql_int(f, 3, "SELECT count(*) FROM quarantine", NULL);
    struct dump before = dump_db(f);
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 4, 0, 0, 1, 3);
    assert_sql_int(f, 3, "SELECT count(*) FROM quarantine", NULL);
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);
}

/*
 * Consent rows without a time, imported twice: no second entry in the
 * ledger (the time of the first import stays the consent's time).
 */
static void test_import_twice_consent_without_time(void **state)
{
    struct fixture *f = *state;
    ok_csv(f, "p.csv", "external_id,first_name\nc1,Ann\n", IMP_PROFILES, NULL);
    static const char csv[] = "customer_id,channel,status\nc1,email,ja\nc1,sms,nee\n";
    struct run r = ok_csv(f, "c.csv", csv, IMP_CONSENTS, NULL);
    assert_stats(&r, 2, 2, 0, 0, 0);
    assert_sql_int(f, 2, "SELECT count(*) FROM consent_history", NULL);
    int64_t first = r.at;
    assert_sql_int(f, first, "SELECT ts FROM consents WHERE channel = ?1", "email");
    struct dump before = dump_db(f);
    r = ok_csv(f, "c.csv", csv, IMP_CONSENTS, NULL);
    assert_sql_int(f, 2, "SELECT count(*) FROM consent_history", NULL);
    assert_stats(&r, 2, 0, 0, 2, 0);
    assert_sql_int(f, first, "SELECT ts FROM consents WHERE channel = ?1", "email");
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);

    /* a change of mind without a time: recorded at the time of that import */
    r = ok_csv(f, "c2.csv", "customer_id,channel,status\nc1,email,nee\n", IMP_CONSENTS, NULL);
    assert_stats(&r, 1, 0, 1, 0, 0);
    assert_sql_int(f, r.at, "SELECT ts FROM consents WHERE channel = ?1", "email");
    assert_sql_str(f, "opted_out", "SELECT status FROM consents WHERE channel = ?1", "email");
    assert_sql_int(f, 3, "SELECT count(*) FROM consent_history", NULL);
}

/* ---- a changed row ----------------------------------------------------------------------- */

static void test_changed_row_updates(void **state)
{
    struct fixture *f = *state;
    ok_csv(f, "p.csv", PROFILES, IMP_PROFILES, NULL);
    int64_t p1 = pid_of(f, "c1");
    int64_t old_raw = q_int(f, "SELECT id FROM raw_records WHERE external_id = ?1", "c1");
    int64_t c2_raw = q_int(f, "SELECT id FROM raw_records WHERE external_id = ?1", "c2");

    static const char changed[] =
        "external_id,first_name,last_name,email,phone,country,birth_date,city,vip\n"
        "c1,ann,SMITH,ann@smith.be,0475 12 34 56,Belgium,03/04/1985,Brugge,yes\n"
        "c2,Bram,Peeters,bram@telenet.be,0486 11 22 33,BE,1990-12-31,Antwerpen,\n";
    struct run r = ok_csv(f, "p.csv", changed, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 0, 1, 1, 0);

    /* the same profile, its fields changed */
    assert_int_equal(pid_of(f, "c1"), p1);
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);
    assert_field(f, "c1", "city", "Brugge");
    assert_field(f, "c1", "email", "ann@smith.be");
    assert_sql_int(f, r.at,
                   "SELECT updated_at FROM profiles WHERE id = (SELECT profile_id FROM"
                   " identities WHERE type = 'user_id' AND value = ?1)",
                   "c1");
    int64_t id = 0;
    assert_int_equal(store_identity_find(f->s, "email", "ann@smith.be", "", &id), 0);
    assert_int_equal(id, p1);

    /* the old record kept, superseded; the new one current */
    assert_sql_int(f, 2, "SELECT count(*) FROM raw_records WHERE external_id = ?1", "c1");
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT superseded_at FROM raw_records WHERE id = %lld",
             (long long)old_raw);
    assert_sql_int(f, r.at, sql, NULL);
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NULL",
                   "c1");
    assert_sql_str(f, "Brugge",
                   "SELECT json_extract(payload, '$.city') FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NULL",
                   "c1");
    assert_sql_str(f, "gent",
                   "SELECT json_extract(payload, '$.city') FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NOT NULL",
                   "c1");
    int64_t raw = 0, pid = 0, hash = 0;
    assert_int_equal(store_raw_current(f->s, SRC, "c1", &raw, &pid, &hash), 0);
    assert_int_not_equal(raw, old_raw);
    assert_int_equal(pid, p1);
    /* the unchanged row was not touched */
    assert_sql_int(f, 1, "SELECT count(*) FROM raw_records WHERE external_id = ?1", "c2");
    assert_int_equal(store_raw_current(f->s, SRC, "c2", &raw, &pid, &hash), 0);
    assert_int_equal(raw, c2_raw);
}

/*
 * A header put right (same values, another column name) is a change, not
 * "unchanged": the user renamed the column "stad" to "city" and imports again.
 */
static void test_corrected_header_is_a_change(void **state)
{
    struct fixture *f = *state;
    struct run r =
        ok_csv(f, "p.csv", "external_id,first_name,stad\nc1,Ann,Gent\n", IMP_PROFILES, NULL);
    assert_string_equal(r.unmapped, "stad");
    assert_field(f, "c1", "city", NULL);
    r = ok_csv(f, "p.csv", "external_id,first_name,city\nc1,Ann,Gent\n", IMP_PROFILES, NULL);
    assert_stats(&r, 1, 0, 1, 0, 0);
    assert_field(f, "c1", "city", "Gent");
}

/*
 * The same source id twice in one file (a delta export with two versions):
 * one current record (the invariant of schema v3), the first row's; the
 * later row waits in the quarantine saying why, nothing is lost; importing
 * the file again changes nothing.
 */
static void test_same_id_twice_in_a_file(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "external_id,first_name,city\n"
                              "c1,Ann,Gent\n"
                              "c2,Bo,Brugge\n"
                              "c1,Ann,Leuven\n";
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 3, 2, 0, 0, 1);
    assert_int_equal(reason_count(&r, "duplicate external_id"), 1);
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);
    assert_field(f, "c1", "city", "Gent");
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NULL",
                   "c1");
    assert_sql_str(f, "Leuven",
                   "SELECT json_extract(payload, '$.city') FROM quarantine WHERE external_id = ?1",
                   "c1");
    assert_sql_str(f, "external_id", "SELECT field FROM quarantine WHERE external_id = ?1", "c1");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "c1");
    assert_non_null(why);
    assert_non_null(strstr(why, "c1"));

    struct dump before = dump_db(f);
    r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 3, 0, 0, 2, 1);
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);

    /* within one batch too (the rows above were in two) */
    static const char csv2[] = "external_id,first_name\nc7,Ann\nc7,Anna\n";
    r = ok_csv(f, "p2.csv", csv2, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 1, 0, 0, 1);
    assert_field(f, "c7", "first_name", "Ann");
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM raw_records WHERE external_id = ?1"
                   " AND superseded_at IS NULL",
                   "c7");
}

/* A customer the source already sent through the API: the import fills that profile. */
static void test_profile_known_by_user_id(void **state)
{
    struct fixture *f = *state;
    struct errbuf e = {{0}, {0}};
    int64_t pid = 0;
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_profile_create(f->s, SRC, NOW, &pid), 0);
    assert_int_equal(store_identity_add(f->s, "user_id", "c1", SRC, pid, NOW, NULL), 0);
    assert_int_equal(store_commit(f->s, &e), 0);

    struct run r = ok_csv(f, "p.csv", "external_id,first_name,city\nc1,Ann,Gent\nc2,Bo,Gent\n",
                          IMP_PROFILES, NULL);
    assert_stats(&r, 2, 2, 0, 0, 0);
    assert_int_equal(pid_of(f, "c1"), pid);
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);
    assert_field(f, "c1", "first_name", "Ann");
    assert_field(f, "c1", "city", "Gent");
    assert_sql_int(f, pid, "SELECT profile_id FROM raw_records WHERE external_id = ?1", "c1");
}

/* ---- mapping files ------------------------------------------------------------------------- */

static const char DUTCH_MAP[] = "; export uit het kassasysteem\n"
                                "[import]\n"
                                "delimiter = tab\n"
                                "encoding = utf-8\n"
                                "locale = nl\n"
                                "country = NL\n"
                                "decimal = ,\n"
                                "currency = EUR\n"
                                "\n"
                                "[profiles]\n"
                                "klantnr = external_id\n"
                                "klantnr = customer_number\n"
                                "voornaam = first_name\n"
                                "achternaam = last_name\n"
                                "e-mail = email\n"
                                "telefoon = phone\n"
                                "geboren = birth_date\n"
                                "woonplaats = city\n"
                                "kleur = attr.favourite_colour\n"
                                "opmerking, a, b, c, d, e, f, g, h, i, j = ignore\n"
                                "\n"
                                "[orders]\n"
                                "bestelling = external_id\n";

static void test_mapping_file(void **state)
{
    struct fixture *f = *state;
    struct import_map m;
    load_map(f, DUTCH_MAP, IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, '\t');
    assert_int_equal(m.encoding, CSVR_UTF8);
    assert_int_equal(m.decimal, ',');
    assert_string_equal(m.locale, "nl");
    assert_string_equal(m.country, "NL");
    assert_string_equal(m.currency, "EUR");
    assert_int_equal(m.npairs, 10); /* only [profiles]: [orders] is another table's */
    assert_string_equal(m.column[0], "klantnr");
    assert_string_equal(m.field[0], "external_id");
    assert_string_equal(m.column[1], "klantnr");
    assert_string_equal(m.field[1], "customer_number");
    assert_string_equal(m.column[9], "opmerking, a, b, c, d, e, f, g, h, i, j");
    assert_string_equal(m.field[9], "ignore");

    /* the header has more commas than tabs: only the mapping's delimiter reads it right */
    static const char csv[] =
        "klantnr\tvoornaam\tachternaam\te-mail\ttelefoon\tgeboren\twoonplaats\tkleur\t"
        "opmerking, a, b, c, d, e, f, g, h, i, j\textra\n"
        "K1\tjan\tJANSSEN\tjan@ziggo.nl\t06 12345678\t03-04-1985\tutrecht\tblauw\tgeheim\tx1\n";
    struct run r = ok_csv(f, "klanten.txt", csv, IMP_PROFILES, &m);
    assert_stats(&r, 1, 1, 0, 0, 0);
    assert_string_equal(r.unmapped, "extra");

    assert_field(f, "K1", "first_name", "Jan");
    assert_field(f, "K1", "last_name", "Janssen");
    assert_field(f, "K1", "email", "jan@ziggo.nl");
    assert_field(f, "K1", "phone", "+31612345678"); /* national form read in the map's country */
    assert_field(f, "K1", "birth_date", "1985-04-03");
    assert_field(f, "K1", "city", "Utrecht");
    /* one column, two fields: the source's id and its customer number */
    int64_t p = pid_of(f, "K1"), id = 0;
    assert_int_equal(store_identity_find(f->s, "customer_number", "K1", SRC, &id), 0);
    assert_int_equal(id, p);
    /* attr.X and unmapped columns are custom attributes; ignored ones are not */
    json_t *a = json_loads(field_of(f, "K1", "attributes"), 0, NULL);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "favourite_colour")), "blauw");
    assert_string_equal(json_string_value(json_object_get(a, "extra")), "x1");
    assert_null(json_object_get(a, "kleur"));
    assert_null(json_object_get(a, "opmerking, a, b, c, d, e, f, g, h, i, j"));
    assert_int_equal(json_object_size(a), 2);
    json_decref(a);
    /* the payload keeps the file's own column names, ignored ones too */
    assert_sql_str(f, "geheim",
                   "SELECT json_extract(payload, '$.\"opmerking, a, b, c, d, e, f, g, h, i, j\"')"
                   " FROM raw_records WHERE external_id = ?1",
                   "K1");
    assert_sql_str(f, "06 12345678",
                   "SELECT json_extract(payload, '$.telefoon') FROM raw_records"
                   " WHERE external_id = ?1",
                   "K1");

    /* the same file with the same mapping: unchanged */
    r = ok_csv(f, "klanten.txt", csv, IMP_PROFILES, &m);
    assert_stats(&r, 1, 0, 0, 1, 0);
    import_map_free(&m);
    assert_null(m.column);

    /* another mapping reads the same row differently: it is a change */
    char other[sizeof(DUTCH_MAP) + 16];
    const char *k = strstr(DUTCH_MAP, "attr.favourite_colour");
    assert_non_null(k);
    snprintf(other, sizeof(other), "%.*sattr.colour_of_choice%s", (int)(k - DUTCH_MAP), DUTCH_MAP,
             k + strlen("attr.favourite_colour"));
    load_map(f, other, IMP_PROFILES, &m);
    r = ok_csv(f, "klanten.txt", csv, IMP_PROFILES, &m);
    assert_stats(&r, 1, 0, 1, 0, 0);
    a = json_loads(field_of(f, "K1", "attributes"), 0, NULL);
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "colour_of_choice")), "blauw");
    json_decref(a);
    import_map_free(&m);

    /* without the mapping nothing names external_id */
    struct run bad = import_csv(f, "klanten.txt", csv, IMP_PROFILES, NULL);
    assert_int_equal(bad.rc, ERR_INVALID);
}

/*
 * The delimiter most Dutch and Belgian exports use. In INI a ';' after a
 * space starts a comment: "delimiter=;", "delimiter = semicolon" and
 * "delimiter = \";\"" work; "delimiter = ;" is an empty value and must be
 * refused with a hint, not read as a sniffed delimiter.
 */
static void test_mapping_semicolon_delimiter(void **state)
{
    struct fixture *f = *state;
    struct import_map m;
    load_map(f, "[import]\ndelimiter=;\n[profiles]\nklant = external_id\n", IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, ';');
    /* a header with more commas than semicolons is read with the declared delimiter */
    struct run r =
        ok_csv(f, "p.csv", "klant;naam, voluit, met komma's\nK1;Ann, Smith\n", IMP_PROFILES, &m);
    assert_stats(&r, 1, 1, 0, 0, 0);
    assert_sql_str(f, "Ann, Smith",
                   "SELECT json_extract(attributes, '$.\"naam, voluit, met komma''s\"')"
                   " FROM profiles",
                   NULL);
    import_map_free(&m);

    /* by name, or quoted */
    load_map(f, "[import]\ndelimiter = semicolon\n", IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, ';');
    import_map_free(&m);
    load_map(f, "[import]\ndelimiter = \";\"\n", IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, ';');
    import_map_free(&m);
    load_map(f, "[import]\ndelimiter = pipe\n", IMP_PROFILES, &m);
    assert_int_equal(m.delimiter, '|');
    import_map_free(&m);

    /* refused, saying how to write it */
    struct errbuf e = {{0}, {0}};
    int rc = import_map_load(put(f, "m.ini", "[import]\ndelimiter = ;\n"), IMP_PROFILES, &m, &e);
    assert_int_equal(rc, ERR_INVALID);
    assert_string_equal(e.field, "import.delimiter");
    assert_non_null(strstr(e.msg, "semicolon"));
    import_map_free(&m);
}

/*
 * Mapping another column to a field (the mobile column instead of the
 * landline) reads the same rows differently: every row is a change.
 */
static void test_remapped_column_is_a_change(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "klant,telefoon,gsm\nK1,0486 11 22 33,0475 12 34 56\n";
    struct import_map m;
    load_map(f, "[import]\ncountry = BE\n[profiles]\nklant = external_id\ntelefoon = phone\n",
             IMP_PROFILES, &m);
    ok_csv(f, "p.csv", csv, IMP_PROFILES, &m);
    import_map_free(&m);
    assert_field(f, "K1", "phone", "+32486112233");
    load_map(f, "[import]\ncountry = BE\n[profiles]\nklant = external_id\ngsm = phone\n",
             IMP_PROFILES, &m);
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, &m);
    import_map_free(&m);
    assert_stats(&r, 1, 0, 1, 0, 0);
    assert_field(f, "K1", "phone", "+32475123456");
}

static void test_mapping_errors(void **state)
{
    struct fixture *f = *state;
    struct import_map m;
    struct errbuf e = {{0}, {0}};

    /* a field the table does not have */
    int rc = import_map_load(put(f, "m.ini",
                                 "[profiles]\nklantnr = external_id\n"
                                 "schoenmaat = shoe_size\n"),
                             IMP_PROFILES, &m, &e);
    assert_int_equal(rc, ERR_INVALID);
    assert_string_equal(e.field, "schoenmaat");
    assert_non_null(strstr(e.msg, "schoenmaat"));
    assert_non_null(strstr(e.msg, "shoe_size"));
    import_map_free(&m);

    /* a field of another table */
    memset(&e, 0, sizeof(e));
    rc = import_map_load(put(f, "m.ini", "[profiles]\nbedrag = total\n"), IMP_PROFILES, &m, &e);
    assert_int_equal(rc, ERR_INVALID);
    assert_string_equal(e.field, "bedrag");
    import_map_free(&m);
    /* ... which is fine for that table */
    memset(&e, 0, sizeof(e));
    assert_int_equal(
        import_map_load(put(f, "m.ini", "[orders]\nbedrag = total\n"), IMP_ORDERS, &m, &e), 0);
    import_map_free(&m);

    /* [import] options */
    static const struct {
        const char *ini, *what;
    } bad[] = {
        {"[import]\ndelimiter = ab\n", "delimiter"}, {"[import]\nencoding = ebcdic\n", "encoding"},
        {"[import]\ndecimal = x\n", "decimal"},      {"[import]\nseparator = ,\n", "separator"},
        {"[klanten]\na = b\n", "klanten"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        rc = import_map_load(put(f, "m.ini", bad[i].ini), IMP_PROFILES, &m, &e);
        if (rc != ERR_INVALID || !strstr(e.msg, bad[i].what))
            fail_msg("%s: rc %d, message \"%s\"", bad[i].ini, rc, e.msg);
        import_map_free(&m);
    }
    memset(&e, 0, sizeof(e));
    snprintf(f->file, sizeof(f->file), "%s/none.ini", f->db.dir);
    assert_int_equal(import_map_load(f->file, IMP_PROFILES, &m, &e), ERR_IO);
    import_map_free(&m);

    /* a mapped column the file's header lacks: nothing is imported */
    load_map(f, "[profiles]\nklantnr = external_id\nvoornaam = first_name\n", IMP_PROFILES, &m);
    struct run r = import_csv(f, "p.csv", "klantnr,naam\nK1,Jan\n", IMP_PROFILES, &m);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "voornaam");
    assert_non_null(strstr(r.e.msg, "voornaam"));
    assert_sql_int(f, 0, "SELECT count(*) FROM profiles", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM raw_records", NULL);
    import_map_free(&m);

    /* a required field without a column */
    r = import_csv(f, "p.csv", "id,first_name\n1,Jan\n", IMP_PROFILES, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "external_id");
    assert_non_null(strstr(r.e.msg, "external_id"));
    r = import_csv(f, "o.csv", "external_id,customer_id,total\nO1,c1,10\n", IMP_ORDERS, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "ordered_at");
    r = import_csv(f, "l.csv", "order_id,sku\nO1,S\n", IMP_ORDER_LINES, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "line_no");
    r = import_csv(f, "c.csv", "customer_id,channel\nc1,email\n", IMP_CONSENTS, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "status");
    /* a required field mapped away to an attribute is missing too */
    load_map(f, "[profiles]\nexternal_id = attr.old_id\n", IMP_PROFILES, &m);
    r = import_csv(f, "p.csv", "external_id,first_name\n1,Jan\n", IMP_PROFILES, &m);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_string_equal(r.e.field, "external_id");
    import_map_free(&m);

    /* an empty file has no header */
    r = import_csv(f, "empty.csv", "", IMP_PROFILES, NULL);
    assert_int_equal(r.rc, ERR_INVALID);
    assert_non_null(strstr(r.e.msg, "empty"));
    assert_sql_int(f, 0, "SELECT count(*) FROM profiles", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM quarantine", NULL);
}

/* ---- encodings --------------------------------------------------------------------------------
 */

static const char LATIN1[] = "external_id,first_name,last_name,city,note\n"
                             "c1,Andr\xE9,M\xFCller,Li\xE8ge,\n"
                             "c2,Zo\xEB,Fran\xE7ois,Gen\xE8ve,\n"
                             "c3,Bo,Smith,Gent,\n"
                             "c4,Al,Ba,Gent,\xC3\xA9t\xC3\xA9\n";

static void test_latin1_file(void **state)
{
    struct fixture *f = *state;
    struct import_map m;
    load_map(f, "[import]\nencoding = latin1\n", IMP_PROFILES, &m);
    assert_int_equal(m.encoding, CSVR_LATIN1);
    struct run r = ok_csv(f, "l1.csv", LATIN1, IMP_PROFILES, &m);
    assert_stats(&r, 4, 4, 0, 0, 0);
    assert_int_equal(r.st.converted, 3);
    /* declared Latin-1: bytes that happen to be valid UTF-8 are Latin-1 all the same */
    assert_sql_str(f, "\xC3\x83\xC2\xA9t\xC3\x83\xC2\xA9",
                   "SELECT json_extract(attributes, '$.note') FROM profiles WHERE id ="
                   " (SELECT profile_id FROM identities WHERE type = 'user_id' AND value = ?1)",
                   "c4");
    assert_field(f, "c1", "first_name", "Andr\xC3\xA9");
    assert_field(f, "c1", "last_name", "M\xC3\xBCller");
    assert_field(f, "c1", "city", "Li\xC3\xA8ge");
    assert_field(f, "c2", "first_name", "Zo\xC3\xAB");
    assert_field(f, "c2", "last_name", "Fran\xC3\xA7ois");
    assert_sql_str(f, "Andr\xC3\xA9",
                   "SELECT json_extract(payload, '$.first_name') FROM raw_records"
                   " WHERE external_id = ?1",
                   "c1");
    import_map_free(&m);
}

/* Without a declared encoding a Latin-1 file is detected field by field. */
static void test_latin1_detected(void **state)
{
    struct fixture *f = *state;
    struct run r = ok_csv(f, "l1.csv", LATIN1, IMP_PROFILES, NULL);
    assert_stats(&r, 4, 4, 0, 0, 0);
    assert_int_equal(r.st.converted, 2);
    assert_sql_str(f, "\xC3\xA9t\xC3\xA9",
                   "SELECT json_extract(attributes, '$.note') FROM profiles WHERE id ="
                   " (SELECT profile_id FROM identities WHERE type = 'user_id' AND value = ?1)",
                   "c4");
    assert_field(f, "c1", "first_name", "Andr\xC3\xA9");
    assert_field(f, "c2", "city", "Gen\xC3\xA8ve");
    assert_field(f, "c3", "city", "Gent");
}

/* ---- test records ---------------------------------------------------------------------------- */

static void test_test_records_quarantined(void **state)
{
    struct fixture *f = *state;
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_test_pattern_add(f->s, "email", "*@acme.invalid"), 0);
    assert_int_equal(store_commit(f->s, &e), 0);

    static const char csv[] = "external_id,first_name,last_name,email\n"
                              "c1,Ann,Smith,ann@smith.be\n"
                              "c2,Tina,Tester,test@test.com\n"
                              "c3,Mickey,Mouse,mickey@disney.be\n"
                              "c4,Bo,Bakker,bo@acme.invalid\n"
                              "c5,Jane,Doe,jane@doe.be\n";
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 5, 1, 0, 0, 4);
    assert_int_equal(reason_count(&r, "test record"), 4);
    assert_sql_int(f, 1, "SELECT count(*) FROM profiles", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM identities WHERE value = ?1", "c2");
    assert_sql_int(f, 0, "SELECT count(*) FROM identities WHERE value = ?1", "test@test.com");
    assert_sql_int(f, 1, "SELECT count(*) FROM raw_records", NULL);

    assert_sql_int(f, 4,
                   "SELECT count(*) FROM quarantine WHERE class = 'test record'"
                   " AND kind = 'import:profiles' AND source = '" SRC "' AND resolved_at IS NULL",
                   NULL);
    assert_sql_str(f, "email", "SELECT field FROM quarantine WHERE external_id = ?1", "c2");
    assert_sql_str(f, "name", "SELECT field FROM quarantine WHERE external_id = ?1", "c3");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "c3");
    assert_non_null(why);
    assert_non_null(strstr(why, "mickey mouse"));
    why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "c4");
    assert_non_null(why);
    assert_non_null(strstr(why, "*@acme.invalid"));
    /* the row as given, to retry */
    assert_sql_str(f, "Mickey",
                   "SELECT json_extract(payload, '$.first_name') FROM quarantine"
                   " WHERE external_id = ?1",
                   "c3");

    /* Mickey Mouse is a real customer after all: drop the pattern and retry */
    json_t *pats = NULL;
    assert_int_equal(store_test_patterns(f->s, &pats, &e), 0);
    int64_t mickey = 0;
    size_t i;
    json_t *p;
    json_array_foreach(pats, i, p) if (strcmp(json_string_value(json_object_get(p, "pattern")),
                                              "mickey mouse") == 0) mickey =
        json_integer_value(json_object_get(p, "id"));
    json_decref(pats);
    assert_true(mickey > 0);
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_test_pattern_remove(f->s, mickey), 0);
    assert_int_equal(store_commit(f->s, &e), 0);

    r = retry(f, IMP_PROFILES, 0, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_int_equal(r.st.quarantined, 3);
    assert_field(f, "c3", "first_name", "Mickey");
    assert_sql_int(f, r.at, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "c3");
    assert_sql_int(f, 3, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    assert_sql_int(f, 4, "SELECT count(*) FROM quarantine", NULL); /* none added */
}

/* ---- orders, lines, events, consents ------------------------------------------------------- */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_profiles_canonical_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles_bom_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_bad_row_quarantined_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_consent_without_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_row_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrected_header_is_a_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_id_twice_in_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_known_by_user_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_semicolon_delimiter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remapped_column_is_a_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latin1_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latin1_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_test_records_quarantined, setup, teardown),
    };
    return cmocka_run_group_tests_name("import", tests, group_setup, NULL);
}
