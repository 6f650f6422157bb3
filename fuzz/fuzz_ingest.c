/*
 * fuzz_ingest.c — libFuzzer target for Segment ingestion parsing.
 *
 * The input is an HTTP request body. It is parsed as /v1/batch and as each
 * single-message endpoint (/v1/identify, /v1/track, ...) with
 * ingest_request_parse(), which does no I/O, then released. Besides memory
 * errors (ASan, UBSan), it checks the contract the HTTP handler and the
 * writer rely on: the result codes, one reject for a rejected request, every
 * batch item either parsed or rejected, and the fields ingest_apply reads.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

/* A broken contract is a crash, so that libFuzzer keeps the input. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The cleaning rules that identifies pass need their reference data, as in the server. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct errbuf e = {{0}, {0}};
    if (clean_init(&e))
        abort();
    return 0;
}

static void check_msg(const struct seg_msg *m, int type)
{
    CHECK((unsigned)m->type < SEG_NTYPES);
    CHECK(type < 0 || m->type == (enum seg_type)type);
    CHECK(m->raw && json_is_object(m->raw));
    CHECK(m->user_id || m->anonymous_id);
    CHECK(!m->user_id || *m->user_id);
    CHECK(!m->anonymous_id || *m->anonymous_id);
    CHECK(!m->message_id || (*m->message_id && strlen(m->message_id) <= 256));
    switch (m->type) {
    case SEG_TRACK: CHECK(m->name && *m->name); break;
    case SEG_GROUP: CHECK(m->group_id); break;
    case SEG_ALIAS: CHECK(m->previous_id && m->user_id); break;
    default: break;
    }
    if (m->special == SEG_ORDER_COMPLETED || m->special == SEG_ORDER_REFUNDED) {
        CHECK(m->order.external_id);
        CHECK(m->order.nlines == 0 || m->order.lines);
        for (size_t i = 0; i < m->order.nlines; i++)
            CHECK(m->order.lines[i].quantity >= 0);
    }
    if (m->special == SEG_CONSENT_UPDATED)
        CHECK(m->consent.channel && m->consent.status && m->consent.purpose);
    /* What the writer serialises for the events table. */
    json_t *props = m->type == SEG_IDENTIFY || m->type == SEG_GROUP ? m->traits : m->properties;
    CHECK(!props || json_is_object(props));
    CHECK(!m->context || json_is_object(m->context));
    CHECK(!m->custom || json_is_object(m->custom));
}

static void check_reject(const struct ingest_reject *j)
{
    CHECK(j->kind && j->reason && *j->reason && j->field && j->payload);
    CHECK(strlen(j->field) < sizeof(((struct errbuf *)0)->field));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The server refuses larger bodies before parsing. */
    if (size > SEG_MAX_REQUEST_BYTES)
        return 0;
    const char *body = (const char *)data;
    const int64_t now = 1700000000000; /* fixed, so that runs reproduce */
    for (int type = -1; type < SEG_NTYPES; type++) {
        struct ingest_request r;
        struct errbuf e = {{0}, {0}};
        int rc = ingest_request_parse(&r, "fuzz", type, body, size, now, &e);
        CHECK(rc == 0 || rc == ERR_INVALID || rc == ERR_TOO_BIG);
        CHECK(memchr(e.msg, '\0', sizeof(e.msg)) && memchr(e.field, '\0', sizeof(e.field)));
        if (rc == ERR_INVALID) {
            CHECK(r.nmsgs == 0 && r.nrejects == 1 && e.msg[0]);
            CHECK(r.rejects[0].payload == body && r.rejects[0].payload_len == size);
        }
        if (rc == 0 && type >= 0)
            CHECK(r.nmsgs == 1 && r.nrejects == 0);
        if (rc == 0 && type < 0) {
            json_t *batch = json_object_get(r.root, "batch");
            CHECK(r.nmsgs + r.nrejects == json_array_size(batch));
        }
        for (size_t i = 0; i < r.nmsgs; i++)
            check_msg(&r.msgs[i], type);
        for (size_t i = 0; i < r.nrejects; i++)
            check_reject(&r.rejects[i]);
        ingest_request_release(&r);
    }
    return 0;
}
