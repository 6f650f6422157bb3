/*
 * test_import_tables.c — orders, order lines, events and consents through
 * import_file(), and what can go wrong at scale or out of order (fixture:
 * import_fixture.h).
 *
 * Covered: orders (money and times as written), order lines, events and
 * consents; unknown customers quarantined and retried, and resolved by a
 * later import; rows with the wrong number of fields (kept whole, never
 * stored by a retry); a correction undone that sticks across re-imports;
 * the progress callback; consents that arrive out of order or without a
 * time never undo a later opt-out; amounts with letters inside are refused;
 * duplicates found past the index's first size; wide rows in a full batch
 * are stored or quarantined whole.
 */
#include "import_fixture.h"

#include "base/buf.h"

#define ORDER_COL(col) "SELECT " col " FROM orders WHERE external_id = ?1"

static void test_orders(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    static const char csv[] = "external_id;customer_id;ordered_at;status;currency;total;kanaal\n"
                              "O1;c1;23/11/2026 14:30;paid;EUR;1.234,50;web\n"
                              "O2;c2;2026-11-20T08:15:00Z;refunded;;59,90;\n"
                              "O3;c1;01/02/2026;completed;USD;\xE2\x82\xAC 12,50;winkel\n"
                              "O4;c1;1,234.56 is no date;paid;EUR;10;\n"
                              "O5;c1;01/02/2026;paid;EUR;abc;\n"
                              "O6;c1;01/02/2026;pending;EUR;10;\n"
                              "O7;c2;01/02/2026 09:05:30;PAID;eur;1.234.567;\n";
    struct run r = ok_csv(f, "orders.csv", csv, IMP_ORDERS, NULL);
    assert_stats(&r, 7, 4, 0, 0, 3);
    assert_int_equal(reason_count(&r, "invalid ordered_at"), 1);
    assert_int_equal(reason_count(&r, "invalid total"), 1);
    assert_int_equal(reason_count(&r, "invalid status"), 1);
    assert_string_equal(r.unmapped, "kanaal");

    char p1[24], p2[24];
    snprintf(p1, sizeof(p1), "%lld", (long long)pid_of(f, "c1"));
    snprintf(p2, sizeof(p2), "%lld", (long long)pid_of(f, "c2"));
    assert_sql_str(f, p1, ORDER_COL("profile_id"), "O1");
    assert_sql_int(f, 123450, ORDER_COL("total_cents"), "O1");
    assert_sql_int(f, ms("2026-11-23T14:30:00Z"), ORDER_COL("ordered_at"), "O1");
    assert_sql_str(f, "completed", ORDER_COL("status"), "O1");
    assert_sql_str(f, "EUR", ORDER_COL("currency"), "O1");
    assert_sql_str(f, SRC, ORDER_COL("source"), "O1");
    assert_sql_str(f, "web", ORDER_COL("json_extract(attributes, '$.kanaal')"), "O1");
    assert_sql_int(f, 1, ORDER_COL("row_hash IS NOT NULL"), "O1");

    assert_sql_str(f, p2, ORDER_COL("profile_id"), "O2");
    assert_sql_int(f, 5990, ORDER_COL("total_cents"), "O2");
    assert_sql_str(f, "refunded", ORDER_COL("status"), "O2");
    assert_sql_str(f, "EUR", ORDER_COL("currency"), "O2"); /* none given */
    assert_sql_int(f, ms("2026-11-20T08:15:00Z"), ORDER_COL("ordered_at"), "O2");
    assert_sql_str(f, NULL, ORDER_COL("attributes"), "O2");

    assert_sql_int(f, 1250, ORDER_COL("total_cents"), "O3");
    assert_sql_str(f, "USD", ORDER_COL("currency"), "O3");
    assert_sql_int(f, ms("2026-02-01T00:00:00Z"), ORDER_COL("ordered_at"), "O3");

    assert_sql_int(f, 123456700, ORDER_COL("total_cents"), "O7");
    assert_sql_int(f, ms("2026-02-01T09:05:30Z"), ORDER_COL("ordered_at"), "O7");
    assert_sql_str(f, "completed", ORDER_COL("status"), "O7");

    assert_sql_int(f, 0, "SELECT count(*) FROM orders WHERE external_id IN ('O4', 'O5', 'O6')",
                   NULL);
    assert_sql_str(f, "ordered_at", "SELECT field FROM quarantine WHERE external_id = ?1", "O4");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "O5");
    assert_non_null(why);
    assert_non_null(strstr(why, "abc"));
    assert_sql_str(f, "import:orders", "SELECT kind FROM quarantine WHERE external_id = ?1", "O6");

    /* again: unchanged */
    r = ok_csv(f, "orders.csv", csv, IMP_ORDERS, NULL);
    assert_stats(&r, 7, 0, 0, 4, 3);
    assert_sql_int(f, 3, "SELECT count(*) FROM quarantine", NULL);

    /* a changed order is updated in place */
    int64_t o1 = q_int(f, ORDER_COL("id"), "O1");
    r = ok_csv(f, "orders2.csv",
               "external_id;customer_id;ordered_at;status;currency;total;kanaal\n"
               "O1;c1;23/11/2026 14:30;refunded;EUR;1.234,50;web\n",
               IMP_ORDERS, NULL);
    assert_stats(&r, 1, 0, 1, 0, 0);
    assert_sql_str(f, "refunded", ORDER_COL("status"), "O1");
    assert_sql_int(f, o1, ORDER_COL("id"), "O1");
    assert_sql_int(f, r.at, ORDER_COL("updated_at"), "O1");
}

/* A declared decimal comma, with a mapping of the order columns. */
static void test_orders_declared_decimal(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    struct import_map m;
    load_map(f,
             "[import]\ndecimal = ,\ncurrency = GBP\n[orders]\nbestelling = external_id\n"
             "klant = customer_id\ndatum = ordered_at\nbedrag = total\n",
             IMP_ORDERS, &m);
    struct run r = ok_csv(f, "o.csv",
                          "bestelling,klant,datum,bedrag\n"
                          "O1,c1,05/06/2026 09:05,1.234\n"
                          "O2,c2,05/06/2026,\"7,5\"\n",
                          IMP_ORDERS, &m);
    assert_stats(&r, 2, 2, 0, 0, 0);
    assert_sql_int(f, 123400, ORDER_COL("total_cents"), "O1");
    assert_sql_int(f, ms("2026-06-05T09:05:00Z"), ORDER_COL("ordered_at"), "O1");
    assert_sql_str(f, "GBP", ORDER_COL("currency"), "O1");
    assert_sql_int(f, 750, ORDER_COL("total_cents"), "O2");
    import_map_free(&m);
}

static void test_order_lines(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    ok_csv(f, "orders.csv",
           "external_id,customer_id,ordered_at\nO1,c1,2026-11-20T08:00:00Z\n"
           "O2,c2,2026-11-20T09:00:00Z\n",
           IMP_ORDERS, NULL);
    int64_t o1 = q_int(f, ORDER_COL("id"), "O1");
    struct run r = ok_csv(f, "lines.csv", LINES, IMP_ORDER_LINES, NULL);
    assert_stats(&r, 4, 3, 0, 0, 1);
    assert_int_equal(reason_count(&r, "unknown order_id"), 1);

    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM order_lines WHERE order_id = %lld",
             (long long)o1);
    assert_sql_int(f, 2, sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT price_cents * 1000 + quantity FROM order_lines WHERE order_id = %lld"
             " AND line_no = 1",
             (long long)o1);
    assert_sql_int(f, 1250 * 1000 + 2, sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT price_cents * 1000 + quantity FROM order_lines WHERE order_id = %lld"
             " AND line_no = 2",
             (long long)o1);
    assert_sql_int(f, 399 * 1000 + 1, sql, NULL); /* quantity defaults to 1 */
    snprintf(sql, sizeof(sql),
             "SELECT sku || '/' || name FROM order_lines WHERE order_id = %lld AND line_no = 2",
             (long long)o1);
    assert_sql_str(f, "SKU-2/Tea", sql, NULL);

    /* the line of an unknown order waits in the quarantine, saying which order */
    assert_sql_str(f, "unknown order_id", "SELECT class FROM quarantine WHERE external_id = ?1",
                   "O9#1");
    assert_sql_str(f, "order_id", "SELECT field FROM quarantine WHERE external_id = ?1", "O9#1");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "O9#1");
    assert_non_null(why);
    assert_non_null(strstr(why, "\"O9\""));

    /* again: nothing changes */
    struct dump before = dump_db(f);
    r = ok_csv(f, "lines.csv", LINES, IMP_ORDER_LINES, NULL);
    assert_stats(&r, 4, 0, 0, 3, 1);
    struct dump after = dump_db(f);
    assert_dump_equal(&before, &after);
    free(before.p);
    free(after.p);

    /* a changed line replaces that line, never doubles it */
    r = ok_csv(f, "lines2.csv", "order_id,line_no,sku,name,price,quantity\nO1,2,SKU-2,Tea,4.25,3\n",
               IMP_ORDER_LINES, NULL);
    assert_int_equal(r.st.rows, 1);
    assert_int_equal(r.st.imported + r.st.updated, 1);
    assert_int_equal(r.st.unchanged + r.st.quarantined, 0);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM order_lines WHERE order_id = %lld",
             (long long)o1);
    assert_sql_int(f, 2, sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT price_cents * 1000 + quantity FROM order_lines WHERE order_id = %lld"
             " AND line_no = 2",
             (long long)o1);
    assert_sql_int(f, 425 * 1000 + 3, sql, NULL);

    /* the order arrives: the line is retried and stored */
    ok_csv(f, "orders9.csv", "external_id,customer_id,ordered_at\nO9,c2,2026-11-21T08:00:00Z\n",
           IMP_ORDERS, NULL);
    r = retry(f, IMP_ORDER_LINES, 0, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_int_equal(r.st.quarantined, 0);
    assert_sql_int(f, r.at, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O9#1");
    assert_sql_int(f, 2000 * 1000 + 1,
                   "SELECT price_cents * 1000 + quantity FROM order_lines WHERE order_id ="
                   " (SELECT id FROM orders WHERE external_id = ?1)",
                   "O9");
}

static void test_events(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    struct run r = ok_csv(f, "events.csv", EVENTS, IMP_EVENTS, NULL);
    assert_stats(&r, 4, 3, 0, 0, 1);
    assert_int_equal(reason_count(&r, "unknown customer_id"), 1);
    assert_string_equal(r.unmapped, ""); /* extra columns are event properties */

    char p1[24];
    snprintf(p1, sizeof(p1), "%lld", (long long)pid_of(f, "c1"));
#define EV(col) "SELECT " col " FROM events WHERE message_id = ?1"
    assert_sql_str(f, p1, EV("profile_id"), "import:shop:E1");
    assert_sql_str(f, "track", EV("type"), "import:shop:E1");
    assert_sql_str(f, "Viewed Product", EV("name"), "import:shop:E1");
    assert_sql_str(f, SRC, EV("source"), "import:shop:E1");
    assert_sql_int(f, ms("2026-11-20T10:00:00Z"), EV("ts"), "import:shop:E1");
    assert_sql_int(f, r.at, EV("received_at"), "import:shop:E1");
    assert_sql_str(f, "/p/1", EV("json_extract(properties, '$.page_url')"), "import:shop:E1");
    assert_sql_str(f, "track", EV("type"), "import:shop:E2"); /* none given */
    assert_sql_int(f, ms("2026-11-20T11:00:00Z"), EV("ts"), "import:shop:E2");
    assert_sql_str(f, NULL, EV("properties"), "import:shop:E2");
    assert_sql_str(f, "page", EV("type"), "import:shop:E3");
#undef EV
    assert_sql_int(f, 3, "SELECT count(*) FROM events", NULL);
    assert_sql_str(f, "unknown customer_id", "SELECT class FROM quarantine WHERE external_id = ?1",
                   "E4");

    /* again: unchanged, not doubled */
    r = ok_csv(f, "events.csv", EVENTS, IMP_EVENTS, NULL);
    assert_stats(&r, 4, 0, 0, 3, 1);
    assert_sql_int(f, 3, "SELECT count(*) FROM events", NULL);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine", NULL);

    /* a bad type, a bad time */
    r = ok_csv(f, "ev2.csv",
               "external_id,customer_id,type,name,timestamp\n"
               "E5,c1,identify,X,2026-11-20T10:00:00Z\n"
               "E6,c1,track,X,yesterday\n",
               IMP_EVENTS, NULL);
    assert_stats(&r, 2, 0, 0, 0, 2);
    assert_int_equal(reason_count(&r, "invalid type"), 1);
    assert_int_equal(reason_count(&r, "invalid timestamp"), 1);
}

static void test_consents(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    static const char csv[] = "customer_id;channel;purpose;status;timestamp;wording\n"
                              "c1;Email;newsletter;ja;05/01/2026 10:00;Ja, graag\n"
                              "c1;sms;;nee;2026-01-05T10:00:00Z;\n"
                              "c2;email;;JA;2026-01-06T10:00:00Z;\n"
                              "c2;fax;;ja;2026-01-06T10:00:00Z;\n"
                              "c2;post;;misschien;2026-01-06T10:00:00Z;\n";
    struct run r = ok_csv(f, "consents.csv", csv, IMP_CONSENTS, NULL);
    assert_stats(&r, 5, 3, 0, 0, 2);
    assert_int_equal(reason_count(&r, "invalid channel"), 1);
    assert_int_equal(reason_count(&r, "invalid status"), 1);

    char sql[256];
    int64_t p1 = pid_of(f, "c1"), p2 = pid_of(f, "c2");
    snprintf(sql, sizeof(sql),
             "SELECT status FROM consents WHERE profile_id = %lld AND channel = 'email'"
             " AND purpose = 'newsletter'",
             (long long)p1);
    assert_sql_str(f, "opted_in", sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT ts FROM consents WHERE profile_id = %lld AND channel = 'email'"
             " AND purpose = 'newsletter'",
             (long long)p1);
    assert_sql_int(f, ms("2026-01-05T10:00:00Z"), sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT wording || '|' || source FROM consents WHERE profile_id = %lld"
             " AND channel = 'email'",
             (long long)p1);
    assert_sql_str(f, "Ja, graag|" SRC, sql, NULL);
    snprintf(sql, sizeof(sql),
             "SELECT status FROM consents WHERE profile_id = %lld AND channel = 'sms'"
             " AND purpose = ''",
             (long long)p1);
    assert_sql_str(f, "opted_out", sql, NULL);
    snprintf(sql, sizeof(sql), "SELECT status FROM consents WHERE profile_id = %lld",
             (long long)p2);
    assert_sql_str(f, "opted_in", sql, NULL);
    assert_sql_int(f, 3, "SELECT count(*) FROM consents", NULL);
    assert_sql_int(f, 3, "SELECT count(*) FROM consent_history", NULL);

    /* again: no new entry in the ledger */
    r = ok_csv(f, "consents.csv", csv, IMP_CONSENTS, NULL);
    assert_stats(&r, 5, 0, 0, 3, 2);
    assert_sql_int(f, 3, "SELECT count(*) FROM consent_history", NULL);

    /* a change of mind is one more entry, and the current status */
    r = ok_csv(f, "consents2.csv",
               "customer_id,channel,status,timestamp\nc1,sms,opt-in,2026-03-01T12:00:00Z\n",
               IMP_CONSENTS, NULL);
    assert_stats(&r, 1, 0, 1, 0, 0);
    snprintf(sql, sizeof(sql),
             "SELECT status FROM consents WHERE profile_id = %lld AND channel = 'sms'",
             (long long)p1);
    assert_sql_str(f, "opted_in", sql, NULL);
    assert_sql_int(f, 4, "SELECT count(*) FROM consent_history", NULL);
    assert_sql_str(f, "opted_out,opted_in",
                   "SELECT group_concat(status) FROM (SELECT status FROM consent_history"
                   " WHERE channel = 'sms' ORDER BY id)",
                   NULL);
}

/* ---- unknown customers and retries ------------------------------------------------------------
 */

/* A later import that stores a quarantined row resolves its entry; unchanged rows do not. */
static void test_later_import_resolves(void **state)
{
    struct fixture *f = *state;
    static const char orders[] = "external_id,customer_id,ordered_at,total\n"
                                 "o1,c1,2025-01-02,10\n";
    struct run r = ok_csv(f, "o.csv", orders, IMP_ORDERS, NULL);
    assert_int_equal(r.st.quarantined, 1);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    ok_csv(f, "p.csv", "external_id,first_name\nc1,Ann\n", IMP_PROFILES, NULL);
    r = ok_csv(f, "o.csv", orders, IMP_ORDERS, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_sql_int(f, 0, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine WHERE resolved_at IS NOT NULL", NULL);
    r = ok_csv(f, "o.csv", orders, IMP_ORDERS, NULL);
    assert_int_equal(r.st.unchanged, 1);
}

static void test_unknown_customer_retried(void **state)
{
    struct fixture *f = *state;
    static const char orders[] = "external_id,customer_id,ordered_at,total\n"
                                 "O1,c7,2026-11-20T08:00:00Z,10.00\n"
                                 "O2,c8,2026-11-20T09:00:00Z,20.00\n";
    struct run r = ok_csv(f, "orders.csv", orders, IMP_ORDERS, NULL);
    assert_stats(&r, 2, 0, 0, 0, 2);
    assert_int_equal(reason_count(&r, "unknown customer_id"), 2);
    assert_sql_int(f, 0, "SELECT count(*) FROM orders", NULL);
    assert_sql_str(f, "unknown customer_id", "SELECT class FROM quarantine WHERE external_id = ?1",
                   "O1");
    assert_sql_str(f, "customer_id", "SELECT field FROM quarantine WHERE external_id = ?1", "O1");
    assert_sql_str(f, "import:orders", "SELECT kind FROM quarantine WHERE external_id = ?1", "O1");
    const char *why = q_text(f, "SELECT reason FROM quarantine WHERE external_id = ?1", "O1");
    assert_non_null(why);
    assert_non_null(strstr(why, "\"c7\""));

    /* the customer arrives; the retry stores the order and marks the row resolved */
    ok_csv(f, "p.csv", "external_id,first_name\nc7,Zeger\n", IMP_PROFILES, NULL);
    r = retry(f, IMP_ORDERS, 0, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_int_equal(r.st.quarantined, 1);
    assert_int_equal(reason_count(&r, "unknown customer_id"), 1);
    char p7[24];
    snprintf(p7, sizeof(p7), "%lld", (long long)pid_of(f, "c7"));
    assert_sql_str(f, p7, ORDER_COL("profile_id"), "O1");
    assert_sql_int(f, 1000, ORDER_COL("total_cents"), "O1");
    assert_sql_int(f, r.at, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O1");
    assert_sql_str(f, NULL, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O2");
    assert_sql_str(f, "unknown customer_id", "SELECT class FROM quarantine WHERE external_id = ?1",
                   "O2");
    assert_sql_int(f, 2, "SELECT count(*) FROM quarantine", NULL);

    /* a second retry does not touch the resolved row */
    int64_t resolved = q_int(f, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O1");
    r = retry(f, IMP_ORDERS, 0, NULL);
    assert_int_equal(r.st.imported, 0);
    assert_int_equal(r.st.rows, 1);
    assert_sql_int(f, resolved, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O1");

    /* importing the file again after the retry: the order is there, unchanged */
    r = ok_csv(f, "orders.csv", orders, IMP_ORDERS, NULL);
    assert_stats(&r, 2, 0, 0, 1, 1);
    assert_sql_int(f, 2, "SELECT count(*) FROM quarantine", NULL);

    /* one row by id */
    ok_csv(f, "p8.csv", "external_id,first_name\nc8,Odette\n", IMP_PROFILES, NULL);
    int64_t q2 = q_int(f, "SELECT id FROM quarantine WHERE external_id = ?1", "O2");
    r = retry(f, IMP_ORDERS, q2, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_sql_int(f, r.at, "SELECT resolved_at FROM quarantine WHERE external_id = ?1", "O2");
}

/* ---- rows with the wrong number of fields --------------------------------------------------- */

static void test_wrong_field_count(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "external_id,first_name,last_name,email\n"
                              "c1,Ann,Smith,ann@x.be\n"
                              "c2,Smith, Bo,Bo,bo@x.be\n"
                              "c3,Cas\n"
                              "c4,Dirk,Dobbel,dirk@x.be\n"
                              " ,Eva,Eeckhout,eva@x.be\n";
    struct run r = ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_stats(&r, 5, 2, 0, 0, 3);
    assert_int_equal(reason_count(&r, "wrong number of fields"), 2);
    assert_int_equal(reason_count(&r, "missing external_id"), 1);
    assert_field(f, "c1", "first_name", "Ann");
    assert_field(f, "c4", "first_name", "Dirk");
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM identities WHERE value IN ('c2', 'c3')", NULL);
    assert_sql_int(f, 2, "SELECT count(*) FROM quarantine WHERE class = 'wrong number of fields'",
                   NULL);
    /* the reason gives the row and both counts; the record keeps every field of the row */
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM quarantine WHERE class = 'wrong number of fields'"
                   " AND instr(reason, 'row 3') AND instr(reason, '5 fields')"
                   " AND instr(reason, 'header 4') AND instr(payload, 'bo@x.be')"
                   " AND instr(payload, ' Bo')",
                   NULL);
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM quarantine WHERE class = 'wrong number of fields'"
                   " AND instr(reason, 'row 4') AND instr(reason, '2 fields')"
                   " AND instr(payload, 'Cas')",
                   NULL);
    assert_sql_str(f, "external_id",
                   "SELECT field FROM quarantine WHERE class = 'missing external_id'", NULL);
}

/*
 * A retry without any fix cannot make a row with the wrong number of fields
 * right: it stays in the quarantine and nothing is stored from it.
 */
static void test_wrong_field_count_not_stored_by_retry(void **state)
{
    struct fixture *f = *state;
    static const char csv[] = "external_id,first_name,last_name,email\n"
                              "c1,Ann,Smith,ann@x.be\n"
                              "c2,Smith, Bo,Bo,bo@x.be\n";
    ok_csv(f, "p.csv", csv, IMP_PROFILES, NULL);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    struct run r = retry(f, IMP_PROFILES, 0, NULL);
    assert_int_equal(r.st.imported + r.st.updated, 0);
    assert_sql_int(f, 1, "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL", NULL);
    /* still waiting for the real reason, not one the retry made up */
    assert_sql_str(f, "wrong number of fields", "SELECT class FROM quarantine", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM identities WHERE value = ?1", "c2");
    assert_sql_int(f, 1, "SELECT count(*) FROM profiles", NULL);
}

/* ---- a correction undone ------------------------------------------------------------------------
 */

static void undo(struct fixture *f, const char *ext, const char *field, json_t **undone)
{
    struct errbuf e = {{0}, {0}};
    assert_int_equal(store_begin(f->s, &e), 0);
    int rc = store_correction_undo(f->s, SRC, ext, field, clock_now(), undone, &e);
    if (rc) {
        store_rollback(f->s);
        fail_msg("store_correction_undo %s %s: %s: %s", ext, field, err_name(rc), e.msg);
    }
    assert_int_equal(store_commit(f->s, &e), 0);
}

static void test_correction_undo_sticks(void **state)
{
    struct fixture *f = *state;
    ok_csv(f, "p.csv", PROFILES, IMP_PROFILES, NULL);
    assert_field(f, "c1", "email", "Ann.Smith@gmail.com");

    /* "gmial.com" was really meant: the value as given comes back */
    json_t *undone = NULL;
    undo(f, "c1", "email", &undone);
    assert_int_equal(json_array_size(undone), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(undone, 0), "field")),
                        "email");
    assert_string_equal(json_string_value(json_object_get(json_array_get(undone, 0), "value")),
                        "Ann.Smith@gmial.com");
    json_decref(undone);
    assert_field(f, "c1", "email", "Ann.Smith@gmial.com");

    /* a field without a correction, an unknown record, an unknown field */
    struct errbuf e = {{0}, {0}};
    undone = NULL;
    assert_int_equal(store_begin(f->s, &e), 0);
    assert_int_equal(store_correction_undo(f->s, SRC, "c2", "email", clock_now(), &undone, &e),
                     ERR_NOT_FOUND);
    assert_int_equal(store_correction_undo(f->s, SRC, "c99", "email", clock_now(), &undone, &e),
                     ERR_NOT_FOUND);
    assert_int_equal(store_correction_undo(f->s, SRC, "c1", "shoe_size", clock_now(), &undone, &e),
                     ERR_INVALID);
    store_rollback(f->s);
    json_decref(undone);

    /* the same file again: unchanged, the field stays as given */
    struct run r = ok_csv(f, "p.csv", PROFILES, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 0, 0, 2, 0);
    assert_field(f, "c1", "email", "Ann.Smith@gmial.com");

    /*
     * A changed version of the row: still as given, the rest cleaned as ever.
     * The row after it fills the batch, so the store writes c1 only after the
     * reader has moved on to c2 (as in any file of more than one batch).
     */
    static const char changed[] =
        "external_id,first_name,last_name,email,phone,country,birth_date,city,vip\n"
        "c1,ann,SMITH,Ann.Smith@gmial.com,0475 12 34 56,Belgium,03/04/1985,brugge,yes\n"
        "c2,Bram,Peeters,bram@telenet.be,0486 11 22 33,BE,1990-12-31,Antwerpen,\n";
    r = ok_csv(f, "p2.csv", changed, IMP_PROFILES, NULL);
    assert_stats(&r, 2, 0, 1, 1, 0);
    assert_field(f, "c1", "email", "Ann.Smith@gmial.com");
    assert_field(f, "c1", "city", "Brugge");
    assert_field(f, "c1", "first_name", "Ann");
    assert_field(f, "c1", "phone", "+32475123456");
    const char *fixes = q_text(f,
                               "SELECT corrections FROM raw_records WHERE external_id = ?1"
                               " AND superseded_at IS NULL",
                               "c1");
    assert_non_null(fixes);
    assert_null(strstr(fixes, "email.typo_domain"));
    assert_non_null(strstr(fixes, "phone"));
    assert_sql_str(f, "Ann.Smith@gmial.com",
                   "SELECT json_extract(cleaned, '$.email') FROM raw_records"
                   " WHERE external_id = ?1 AND superseded_at IS NULL",
                   "c1");
    /* other records of the file are cleaned as before */
    r = ok_csv(f, "p3.csv", "external_id,email\nc3,Cor@gmial.com\n", IMP_PROFILES, NULL);
    assert_field(f, "c3", "email", "Cor@gmail.com");
}

/* ---- progress
 * ------------------------------------------------------------------------------------ */

struct seen {
    int calls;
    struct import_progress last;
};

static void on_progress(void *ctx, const struct import_progress *p)
{
    struct seen *s = ctx;
    s->calls++;
    s->last = *p;
}

static void test_progress(void **state)
{
    struct fixture *f = *state;
    const char *path = put(f, "p.csv", PROFILES_WITH_TEST);
    struct seen seen = {0};
    struct import_file_opts o = {
        .source = SRC, .table = IMP_PROFILES, .progress = on_progress, .ctx = &seen};
    struct errbuf e = {{0}, {0}};
    assert_int_equal(import_file(f->s, path, &o, NULL, &e), 0);
    assert_true(seen.calls >= 1);
    assert_int_equal(seen.last.total_bytes, strlen(PROFILES_WITH_TEST));
    assert_int_equal(seen.last.bytes, strlen(PROFILES_WITH_TEST));
    assert_int_equal(seen.last.rows, 3);
    assert_sql_int(f, 2, "SELECT count(*) FROM profiles", NULL);

    /* a file that does not exist */
    snprintf(f->file, sizeof(f->file), "%s/none.csv", f->db.dir);
    assert_int_equal(import_file(f->s, f->file, &o, NULL, &e), ERR_IO);
}

/* Consents out of order: the newest statement counts; a row without a time never undoes one. */
static void test_consents_out_of_order(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    static const char timeless[] = "customer_id,channel,status\nc1,email,opted_in\n";
    static const char later_no[] = "customer_id,channel,status,timestamp\n"
                                   "c1,email,opted_out,2027-01-01T00:00:00Z\n";
    static const char older_yes[] = "customer_id,channel,status,timestamp\n"
                                    "c1,email,opted_in,2025-01-01T00:00:00Z\n";
    ok_csv(f, "t.csv", timeless, IMP_CONSENTS, NULL);
    ok_csv(f, "no.csv", later_no, IMP_CONSENTS, NULL);
    const char *status = "SELECT status FROM consents WHERE channel = 'email'";
    assert_sql_str(f, "opted_out", status, NULL);
    /* the old timeless file again: no change, nothing written */
    struct run r = ok_csv(f, "t.csv", timeless, IMP_CONSENTS, NULL);
    assert_int_equal(r.st.unchanged, 1);
    assert_sql_str(f, "opted_out", status, NULL);
    /* an older opt-in: in the ledger, not applied; again: nothing new */
    r = ok_csv(f, "yes.csv", older_yes, IMP_CONSENTS, NULL);
    assert_int_equal(r.st.imported, 1);
    assert_sql_str(f, "opted_out", status, NULL);
    int64_t ledger = q_int(f, "SELECT count(*) FROM consent_history", NULL);
    r = ok_csv(f, "yes.csv", older_yes, IMP_CONSENTS, NULL);
    assert_int_equal(r.st.unchanged, 1);
    assert_sql_int(f, ledger, "SELECT count(*) FROM consent_history", NULL);
    assert_sql_int(f, 1,
                   "SELECT count(*) FROM consent_history WHERE note LIKE 'older than the current%'",
                   NULL);
    /* a timeless opt-out replaces an opt-in: saying no is always safe */
    ok_csv(f, "c2.csv", "customer_id,channel,status\nc2,sms,opted_in\n", IMP_CONSENTS, NULL);
    ok_csv(f, "c2b.csv", "customer_id,channel,status\nc2,sms,opted_out\n", IMP_CONSENTS, NULL);
    assert_sql_str(f, "opted_out", "SELECT status FROM consents WHERE channel = 'sms'", NULL);
}

/* Amounts: a currency around the number, never inside; absurd lengths refused, not overflowed. */
static void test_amounts(void **state)
{
    struct fixture *f = *state;
    import_customers(f);
    static const char csv[] = "external_id,customer_id,ordered_at,total\n"
                              "o1,c1,2025-01-01,EUR 12.50\n"
                              "o2,c1,2025-01-01,12.50 EUR\n"
                              "o3,c1,2025-01-01,1O0.00\n"
                              "o4,c1,2025-01-01,12abc34\n"
                              "o5,c1,2025-01-01,111111111111111111111111111111111111111111111111111\n"
                              "o6,c1,2025-01-01,\"1.234.567,89\"\n";
    struct run r = ok_csv(f, "o.csv", csv, IMP_ORDERS, NULL);
    assert_int_equal(r.st.imported, 3);
    assert_int_equal(reason_count(&r, "invalid total"), 3);
    assert_sql_int(f, 1250, "SELECT total_cents FROM orders WHERE external_id = ?1", "o1");
    assert_sql_int(f, 1250, "SELECT total_cents FROM orders WHERE external_id = ?1", "o2");
    assert_sql_int(f, 123456789, "SELECT total_cents FROM orders WHERE external_id = ?1", "o6");
}

/* More ids than the index was first sized for: duplicates are still found. */
static void test_duplicates_past_the_first_size(void **state)
{
    struct fixture *f = *state;
    struct buf b;
    buf_init(&b, 0);
    buf_adds(&b, "external_id,first_name\n");
    for (int i = 0; i < 5000; i++)
        buf_addf(&b, "X%d,Al\n", i);
    buf_adds(&b, "X10,Bo\nX4990,Bo\n");
    struct run r = ok_csv(f, "many.csv", b.ptr, IMP_PROFILES, NULL);
    buf_release(&b);
    assert_int_equal(r.st.imported, 5000);
    assert_int_equal(reason_count(&r, "duplicate external_id"), 2);
    assert_field(f, "X4990", "first_name", "Al");
    assert_field(f, "X10", "first_name", "Al");
    /* a retry leaves duplicates alone: the file decides */
    r = retry(f, IMP_PROFILES, 0, NULL);
    assert_int_equal(r.st.skipped, 2);
    assert_field(f, "X4990", "first_name", "Al");
}

/* Wide rows fill a batch's memory: each is stored or quarantined whole, none lost. */
static void test_wide_rows(void **state)
{
    struct fixture *f = *state;
    enum { ROWS = 400, WIDE = 60000 }; /* ~180 KiB each in memory: past half a batch's arena */
    struct buf b;
    buf_init(&b, 0);
    buf_adds(&b, "external_id,first_name,note\n");
    for (int i = 0; i < ROWS; i++) {
        buf_addf(&b, "W%d,Ann,", i);
        for (int k = 0; k < WIDE; k++)
            buf_addch(&b, (char)('a' + (i + k) % 26));
        buf_addch(&b, '\n');
    }
    /* one batch of 4096 rows, as `rondo import` reads (the fixture's are 2 rows) */
    struct run r;
    memset(&r, 0, sizeof(r));
    struct import_file_opts o = {.source = SRC, .table = IMP_PROFILES, .batch_rows = 4096};
    struct import *im = NULL;
    r.rc = import_file(f->s, put(f, "wide.csv", b.ptr), &o, &im, &r.e);
    buf_release(&b);
    assert_int_equal(r.rc, 0);
    keep_stats(&r, im);
    assert_int_equal(r.st.rows, ROWS);
    assert_int_equal(r.st.imported, ROWS); /* the batch is handed over before it runs out */
    assert_int_equal(r.st.imported + r.st.quarantined, ROWS);
    assert_sql_int(f, r.st.imported, "SELECT count(*) FROM raw_records", NULL);
    assert_sql_int(f, 0, "SELECT count(*) FROM quarantine WHERE length(payload) < 1000", NULL);
    assert_sql_int(f, r.st.quarantined, "SELECT count(*) FROM quarantine", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders_declared_decimal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_customer_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_later_import_resolves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_field_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_field_count_not_stored_by_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_correction_undo_sticks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consents_out_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_past_the_first_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_rows, setup, teardown),
    };
    return cmocka_run_group_tests_name("import_tables", tests, group_setup, NULL);
}
